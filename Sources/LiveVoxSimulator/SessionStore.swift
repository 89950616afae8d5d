/// LiveVox's session rules as a value type: a login while a valid session exists for the same
/// user and token returns that session; a session lives while it is used at least once per idle
/// window (rolling); logout and "expire all" end sessions at once.
struct SessionStore: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var owner: String
        var lastUsed: Double
    }

    /// Seconds a session may stay unused.
    let idleSeconds: Double
    private(set) var sessions: [String: Session] = [:]

    init(idleSeconds: Double) {
        self.idleSeconds = idleSeconds
    }

    /// Logs `owner` in at `now`: its live session if it has one, else a new one named `newId`.
    mutating func login(owner: String, now: Double, newId: String) -> String {
        purge(now: now)
        if let existing = sessions.values.first(where: { $0.owner == owner }) {
            sessions[existing.id]?.lastUsed = now
            return existing.id
        }
        sessions[newId] = Session(id: newId, owner: owner, lastUsed: now)
        return newId
    }

    /// Whether `id` names a live session at `now`; using it restarts its idle window.
    mutating func use(_ id: String, now: Double) -> Bool {
        purge(now: now)
        guard sessions[id] != nil else { return false }
        sessions[id]?.lastUsed = now
        return true
    }

    /// Ends the session `id`; false when there was none.
    mutating func logout(_ id: String, now: Double) -> Bool {
        purge(now: now)
        return sessions.removeValue(forKey: id) != nil
    }

    /// Ends every session, as a password change would.
    mutating func expireAll() {
        sessions.removeAll()
    }

    private mutating func purge(now: Double) {
        sessions = sessions.filter { now - $0.value.lastUsed < idleSeconds }
    }
}
