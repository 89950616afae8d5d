import CallGateCore
import CallGateHashing

/// The gateway's one door to the calling-window rules: which profile a service's calls are
/// checked under, and, for a batch of entries at an instant, each entry's decision, the batch's
/// verdict and the earliest instant at which every entry would be allowed.
///
/// The launch stage, the callback stage, `GET /v1/calling-window` and the outbox's deferral all
/// ask here, so a service's profile, the rules in force and their digest are decided once.
public struct CallingWindowGate: Sendable {
    /// The compiled rules.
    public let windows: CallingWindows
    /// The SHA-256 (hex) of the rules file's bytes in force: the built-in file's or the replacement's,
    /// so an audit record tells which rules decided.
    public let rulesDigest: String
    /// The profile of services the map does not name.
    public let defaultProfile: CallingProfile
    /// Each named service's profile.
    public let serviceProfiles: [Int64: CallingProfile]
    /// Which rules count.
    public let confidence: ConfidenceFilter
    /// How long the window must stay open for an entry without a dialing timeout, in seconds.
    public let marginSeconds: Int64

    /// Creates a gate over compiled rules; `rulesText` is the file they were read from (for the digest).
    public init(windows: CallingWindows, rulesText: String, defaultProfile: CallingProfile,
                serviceProfiles: [Int64: CallingProfile] = [:], confidence: ConfidenceFilter = .all,
                marginSeconds: Int64 = 600) {
        self.windows = windows
        self.rulesDigest = SHA256Hasher.hash(utf8: rulesText).hex
        self.defaultProfile = defaultProfile
        self.serviceProfiles = serviceProfiles
        self.confidence = confidence
        self.marginSeconds = marginSeconds
    }

    /// The policy a service's calls are checked under.
    public func policy(forService serviceId: Int64) -> CallingPolicy {
        CallingPolicy(profile: serviceProfiles[serviceId] ?? defaultProfile, confidence: confidence)
    }

    /// One call of a batch to check.
    public struct Entry: Sendable, Hashable {
        /// The number.
        public let phone: PhoneNumber
        /// The party's state as the caller knows it.
        public let state: String?
        /// The zone of that state, when the caller knows it.
        public let timeZone: IANATimeZone?
        /// How long the window must stay open, in seconds: the entry's dialing timeout; nil: the margin.
        public let durationSeconds: Int64?

        /// Creates an entry.
        public init(phone: PhoneNumber, state: String? = nil, timeZone: IANATimeZone? = nil, durationSeconds: Int64? = nil) {
            self.phone = phone
            self.state = state
            self.timeZone = timeZone
            self.durationSeconds = durationSeconds
        }
    }

    /// What the rules said of a batch at one instant.
    public struct Verdict: Sendable {
        /// The profile checked.
        public let profile: CallingProfile
        /// The instant checked, in milliseconds since the epoch.
        public let atEpochMillis: Int64
        /// Each entry's decision, or why it could not be checked (`location_unknown`), in entry order.
        public let decisions: [Result<CallingWindowDecision, CallingWindowError>]

        /// Whether every entry may start at the instant.
        public var allowed: Bool {
            decisions.allSatisfy { if case .success(let decision) = $0 { decision.allowed } else { false } }
        }

        /// The entries refused (outside the window, or where the party cannot be placed), by index.
        public var refusedIndices: [Int] {
            decisions.indices.filter { if case .success(let decision) = decisions[$0] { !decision.allowed } else { true } }
        }

        /// Every rule that refuses some entry, each once, in the order first met.
        public var blockingRuleIds: [String] {
            var ids: [String] = []
            for case .success(let decision) in decisions {
                for rule in decision.blockedBy where !ids.contains(rule.id) { ids.append(rule.id) }
            }
            return ids
        }

        /// The latest of the refused entries' next allowed instants: no entry can go before it.
        /// Nil when allowed, or when some refused entry has none.
        public var latestNextAllowedAtEpochMillis: Int64? {
            var latest: Int64?
            for index in refusedIndices {
                guard case .success(let decision) = decisions[index], let next = decision.nextAllowedAtEpochMillis else { return nil }
                latest = max(latest ?? next, next)
            }
            return latest
        }
    }

    /// Checks a batch of a service's entries at an instant.
    public func check(serviceId: Int64, entries: [Entry], atEpochMillis at: Int64) -> Verdict {
        let policy = policy(forService: serviceId)
        let decisions = entries.map { entry in
            Result(catching: { () throws(CallingWindowError) -> CallingWindowDecision in
                try windows.evaluate(query(entry, at: at), policy: policy)
            })
        }
        return Verdict(profile: policy.profile, atEpochMillis: at, decisions: decisions)
    }

    /// The earliest instant at or after `at`, and no later than `withinDays` days after it, at which
    /// every entry of the batch is allowed; nil when there is none (or an entry cannot be placed).
    ///
    /// Each entry's next allowed instant is the earliest for it, so no common instant lies before
    /// the latest of them: the search raises the candidate to that latest until every entry agrees.
    /// Each round moves the candidate forward by at least a millisecond and usually by hours; the
    /// round cap bounds a hostile batch all the same.
    public func earliestCommonAllowed(serviceId: Int64, entries: [Entry], from at: Int64, withinDays: Int64) -> Int64? {
        let limit = at + withinDays * 86_400_000
        var candidate = at
        for _ in 0..<Self.maximumSearchRounds {
            let verdict = check(serviceId: serviceId, entries: entries, atEpochMillis: candidate)
            if verdict.allowed { return candidate }
            guard let next = verdict.latestNextAllowedAtEpochMillis, next > candidate, next <= limit else { return nil }
            candidate = next
        }
        return nil
    }

    /// Rounds of ``earliestCommonAllowed(serviceId:entries:from:withinDays:)`` at most: far more
    /// than the windows a week of rules holds (each round crosses at least one window's edge).
    static let maximumSearchRounds = 256

    /// The core's query for an entry.
    func query(_ entry: Entry, at: Int64) -> CallingWindowQuery {
        CallingWindowQuery(phone: entry.phone, atEpochMillis: at, durationSeconds: entry.durationSeconds ?? marginSeconds,
                           state: entry.state, timeZone: entry.timeZone, callType: .live)
    }
}
