import Synchronization

/// The LiveVox session, shared by every call of one client, with single-flight login: however many
/// calls find the session missing or stale at once, exactly one login runs and the others await it.
///
/// An actor because its state and suspension meet: callers suspend on the login in flight, and the
/// login's own task outlives a caller that is cancelled, so the others still get its session.
///
/// The session in use is also published under a lock (`validSession`), so that the common case, a
/// session that is already valid, costs a lock and not a hop to the actor: calling an actor from a
/// task running on an event loop switches executors twice, and when the other loop holds the
/// actor, the call waits for that loop and comes back through a wake-up of its own.
actor LiveVoxSessionCache {
    private enum State {
        case none
        case valid(String)
        case loggingIn(Task<Result<String, LiveVoxError>, Never>)
    }

    private var state = State.none {
        didSet {
            guard case .valid(let id) = state else { return published.withLock { $0 = nil } }
            published.withLock { $0 = id }
        }
    }
    /// The session of `state` while it is `.valid`, readable without entering the actor.
    private nonisolated let published = Mutex<String?>(nil)

    /// Creates an empty cache.
    init() {}

    /// The current session if one is valid, without waiting: `nil` when there is none, or a login is
    /// in flight; then `sessionId(replacing:login:)` is the way.
    nonisolated func validSession() -> String? {
        published.withLock { $0 }
    }

    /// The session to use. `stale` names a session the upstream has just refused (401): if it is still
    /// the current one, a new login replaces it; if another call already replaced it, the new one is
    /// returned without a second login. `login` opens a session when one is needed.
    func sessionId(
        replacing stale: String? = nil, login: @escaping @Sendable () async -> Result<String, LiveVoxError>
    ) async -> Result<String, LiveVoxError> {
        switch state {
        case .valid(let id) where id != stale:
            return .success(id)
        case .loggingIn(let task):
            return await task.value
        case .valid, .none:
            let task = Task { await login() }
            state = .loggingIn(task)
            let result = await task.value
            if case .loggingIn(let current) = state, current == task {
                switch result {
                case .success(let id): state = .valid(id)
                case .failure: state = .none
                }
            }
            return result
        }
    }

    /// Forgets the current session and returns it, for a logout; a login in flight is awaited first.
    func take() async -> String? {
        switch state {
        case .none:
            return nil
        case .valid(let id):
            state = .none
            return id
        case .loggingIn(let task):
            let result = await task.value
            state = .none
            return try? result.get()
        }
    }
}
