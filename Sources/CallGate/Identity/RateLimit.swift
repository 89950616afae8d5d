import CallGateStorage

/// How fast one principal may call: a sustained rate and a burst.
///
/// With `requestsPerSecond: 20, burst: 40`, a client that was quiet may send 40 requests at once,
/// then 20 a second. Set per key (`rateLimit` in the keys file), per webhook source and per token
/// issuer; `--rate-limit-per-second` gives the default for principals without their own.
public struct RateLimit: Sendable, Hashable, Codable {
    /// The sustained rate, in requests per second (more than 0).
    public var requestsPerSecond: Double
    /// How many requests may arrive at once after a quiet spell (at least 1).
    public var burst: Int

    /// Creates a limit; `burst` defaults to twice the rate (at least 1).
    public init(requestsPerSecond: Double, burst: Int? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst ?? max(1, Int((requestsPerSecond * 2).rounded(.up)))
    }

    private enum CodingKeys: String, CodingKey { case requestsPerSecond, burst }

    /// Writes a whole rate as an integer (`50`, not YAML's `5e+1`), so the files stay readable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if requestsPerSecond == requestsPerSecond.rounded(), abs(requestsPerSecond) <= 1e15 {
            try container.encode(Int64(requestsPerSecond), forKey: .requestsPerSecond)
        } else {
            try container.encode(requestsPerSecond, forKey: .requestsPerSecond)
        }
        try container.encode(burst, forKey: .burst)
    }

    /// Why the limit cannot be used, or nil; `subject` names where it was given.
    public func problem(in subject: String) -> String? {
        guard requestsPerSecond.isFinite, requestsPerSecond > 0, requestsPerSecond <= 1_000_000 else {
            return "\(subject): requestsPerSecond must be more than 0 and at most 1000000."
        }
        guard burst >= 1, burst <= 1_000_000 else { return "\(subject): burst must be from 1 to 1000000." }
        return nil
    }
}

/// Applies `RateLimit`s per principal with the generic cell rate algorithm (GCRA): one number per
/// principal (when its next request would conform), kept and updated atomically by a
/// `RateLimitStore`, no timers.
///
/// Every admitted request moves that instant one emission interval (1 / rate) later; a request is
/// refused while the instant lies more than `burst` intervals ahead, and a refused request moves
/// nothing, so a client that keeps retrying too fast is not starved forever.
public final class RateLimiter: Sendable {
    /// The outcome for one request, with what the `RateLimit-*` headers report.
    public struct Decision: Sendable, Hashable {
        /// Whether the request may go on.
        public var isAllowed: Bool
        /// The burst: how many requests the principal may make at once (`RateLimit-Limit`).
        public var limit: Int
        /// How many more requests may be made right now (`RateLimit-Remaining`).
        public var remaining: Int
        /// Whole seconds until the full burst is available again (`RateLimit-Reset`).
        public var resetSeconds: Int
        /// For a refused request: whole seconds until one request will be admitted (`Retry-After`).
        public var retryAfterSeconds: Int?

        /// The `RateLimit-*` response headers (a refusal's `Retry-After` comes with its problem).
        public var headers: [(name: String, value: String)] {
            [("RateLimit-Limit", String(limit)), ("RateLimit-Remaining", String(remaining)),
             ("RateLimit-Reset", String(resetSeconds))]
        }
    }

    private let store: any RateLimitStore

    /// A limiter keeping its instants in `store`; by default in this process, with no history.
    public init(store: any RateLimitStore = InProcessRateLimitStore()) {
        self.store = store
    }

    /// Decides one request of the principal identified by `key` at `nowNanos` (nanoseconds of any
    /// clock that does not go back much: a step back only delays the next admissions by as much).
    public func check(_ key: String, _ limit: RateLimit, nowNanos: Int64) -> Decision {
        let interval = max(1, Int64((1e9 / limit.requestsPerSecond).rounded(.up)))
        let window = interval * Int64(limit.burst)
        let admission = store.admit(key, intervalNanos: interval, windowNanos: window, nowNanos: nowNanos)
        let next = admission.startNanos + interval
        guard admission.isAdmitted else {
            return Decision(isAllowed: false, limit: limit.burst, remaining: 0,
                            resetSeconds: Self.seconds(admission.startNanos - nowNanos),
                            retryAfterSeconds: max(1, Self.seconds(next - window - nowNanos)))
        }
        return Decision(isAllowed: true, limit: limit.burst, remaining: Int((window - (next - nowNanos)) / interval),
                        resetSeconds: Self.seconds(next - nowNanos), retryAfterSeconds: nil)
    }

    /// Nanoseconds as whole seconds, rounded up.
    private static func seconds(_ nanos: Int64) -> Int {
        Int(max(0, (nanos + 999_999_999) / 1_000_000_000))
    }
}
