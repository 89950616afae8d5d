/// How often and how patiently one operation is tried.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts at most, the first included.
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles with each further attempt.
    public var baseDelay: Duration
    /// The longest backoff between two attempts.
    public var maxDelay: Duration
    /// The whole operation, every attempt and wait included, ends by then.
    public var totalDeadline: Duration
    /// The longest a single exchange may take (cut to what is left of the deadline).
    public var attemptTimeout: Duration
    /// Statuses after which an idempotent request is tried again.
    public var retryableStatuses: Set<Int>

    /// Creates a policy: 4 attempts, 100 ms doubling up to 2 s, 10 s in all, 5 s per exchange,
    /// retrying 429, 502, 503 and 504.
    public init(
        maxAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(2),
        totalDeadline: Duration = .seconds(10),
        attemptTimeout: Duration = .seconds(5),
        retryableStatuses: Set<Int> = [429, 502, 503, 504]
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.totalDeadline = totalDeadline
        self.attemptTimeout = attemptTimeout
        self.retryableStatuses = retryableStatuses
    }
}

/// The retry rules of one operation as a value: it counts attempts, knows the deadline and decides
/// after each attempt whether and when to try again. It reads no clock and draws jitter only from
/// the generator it is handed, so a schedule is reproducible.
///
/// Idempotent requests (GET, and the login, which returns the same session when repeated) are tried
/// again after a connection error or a retryable status. A non-idempotent one (POST) is tried again
/// only when the transport proves the request never left: anything else could launch a call twice.
/// The caller replays after a 401 itself (a new session is not a retry) and does not consult this.
public struct RetryStateMachine: Sendable {
    /// What one attempt ended with.
    public enum AttemptOutcome: Sendable, Hashable {
        /// The upstream answered `status`, with `retryAfter` when it said how long to wait.
        case response(status: Int, retryAfter: Duration?)
        /// No answer; `requestNeverSent` when the transport proves the upstream never saw it.
        case transportFailure(requestNeverSent: Bool)
    }

    /// What to do after an attempt.
    public enum Action: Sendable, Hashable {
        /// Wait `delay`, then attempt again.
        case retry(after: Duration)
        /// Stop and report the attempt's outcome.
        case giveUp(GiveUpReason)
    }

    /// Why no further attempt is made.
    public enum GiveUpReason: Sendable, Hashable {
        /// The outcome is final for this request (a success, a client error, or an unsafe replay).
        case notRetryable
        /// `maxAttempts` attempts were made.
        case attemptsExhausted
        /// The wait before the next attempt would end past the deadline.
        case deadlineExceeded
    }

    /// The rules.
    public let policy: RetryPolicy
    /// Whether the request may be repeated without changing its effect.
    public let idempotent: Bool
    /// When the operation must be over.
    public let deadline: ContinuousClock.Instant
    /// Attempts started so far.
    public private(set) var attempts = 0

    /// Starts the retry bookkeeping of an operation that begins at `start`.
    public init(policy: RetryPolicy, idempotent: Bool, start: ContinuousClock.Instant) {
        self.policy = policy
        self.idempotent = idempotent
        self.deadline = start + policy.totalDeadline
    }

    /// Counts an attempt about to start and returns its timeout, or `nil` when the deadline has passed.
    public mutating func startAttempt(now: ContinuousClock.Instant) -> Duration? {
        guard now < deadline else { return nil }
        attempts += 1
        return min(policy.attemptTimeout, deadline - now)
    }

    /// Decides what follows an attempt that ended at `now`.
    public func decide(
        after outcome: AttemptOutcome, now: ContinuousClock.Instant, jitter: inout some RandomNumberGenerator
    ) -> Action {
        let retryAfter: Duration?
        switch outcome {
        case .transportFailure(let neverSent):
            guard idempotent || neverSent else { return .giveUp(.notRetryable) }
            retryAfter = nil
        case .response(let status, let after):
            guard idempotent, policy.retryableStatuses.contains(status) else { return .giveUp(.notRetryable) }
            retryAfter = after
        }
        guard attempts < policy.maxAttempts else { return .giveUp(.attemptsExhausted) }
        let delay = retryAfter ?? backoff(beforeAttempt: attempts + 1, jitter: &jitter)
        guard now + delay < deadline else { return .giveUp(.deadlineExceeded) }
        return .retry(after: delay)
    }

    /// The jittered exponential backoff before attempt `n` (n ≥ 2): a uniform draw from the upper
    /// half of `min(maxDelay, baseDelay · 2^(n-2))`, so waits grow yet never synchronise.
    public func backoff(beforeAttempt n: Int, jitter: inout some RandomNumberGenerator) -> Duration {
        let exponent = max(0, min(n - 2, 30))
        let ceiling = min(policy.maxDelay, policy.baseDelay * (1 << exponent))
        let ceilingNanoseconds = ceiling.nanoseconds
        guard ceilingNanoseconds > 1 else { return ceiling }
        let half = ceilingNanoseconds / 2
        return .nanoseconds(half + Int64.random(in: 0...(ceilingNanoseconds - half), using: &jitter))
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating at `Int64.max`).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }

    /// The duration in seconds, as a `Double`.
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
