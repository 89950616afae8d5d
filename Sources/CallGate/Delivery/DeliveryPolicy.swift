import CallGateCore
import CallGateStorage
import LiveVoxClient

/// What an attempt to deliver a webhook leads to: delivered, tried again later, dead, or left for
/// review. Pure, so every rule is tested on its own.
///
/// - A LiveVox 2xx delivers it.
/// - A LiveVox refusal (a 4xx it passed through: bad data, unknown service...) no retry can fix:
///   `dead`, with LiveVox's status, code and message.
/// - A failure after which LiveVox may have acted (the request was sent, no answer came) is
///   `unknown`, for review: sending it again could place the call twice.
/// - Any other failure (unreachable, 429, 5xx, breaker open, timeout before sending) is retried on
///   `schedule` (at once, 5 s, 30 s, 2 min, 10 min, 30 min, then hourly), 0-20 % later at random,
///   never before LiveVox's `Retry-After`, until `maxAge` after its first attempt's planned time;
///   then `dead`. A delivery deferred to a calling window has not waited against that limit.
public struct DeliveryPolicy: Sendable {
    /// The wait before each attempt: the first is at once, the last repeats.
    public static let schedule: [Duration] = [.zero, .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600)]

    /// How long a delivery is retried, from its first attempt's planned time.
    public var maxAge: Duration

    /// A policy giving up after `maxAge` (24 h by default).
    public init(maxAge: Duration = .seconds(24 * 3600)) {
        self.maxAge = maxAge
    }

    /// The wait before attempt number `attempt + 1`, after `attempt` attempts (at least 1).
    public static func wait(afterAttempts attempts: Int) -> Duration {
        schedule[min(max(attempts, 0), schedule.count - 1)]
    }

    /// The outcome of an attempt LiveVox answered with `status` (not an error of the client).
    public func outcome(answered status: Int, error: LiveVoxErrorBody?) -> DeliveryOutcome {
        if (200..<300).contains(status) { return .delivered(upstreamStatus: status) }
        var reason = "LiveVox refused it with \(status)"
        if let code = error?.code { reason += ", code \(code)" }
        if let message = error?.message { reason += ": \(message)" }
        return .dead(reason: reason, upstreamStatus: status)
    }

    /// The outcome of an attempt that failed with `error`, for a delivery first due at
    /// `firstAttemptMillis` and attempted `attempts` times; `random` in 0...1 spreads the retries.
    public func outcome(failed error: LiveVoxError, attempts: Int, firstAttemptMillis: Int64, nowMillis: Int64,
                        random: Double) -> DeliveryOutcome {
        let what = error.code.sentence + (error.upstreamStatus.map { " (LiveVox answered \($0).)" } ?? "")
        if error.upstreamMayHaveActed {
            return .unknown(reason: "LiveVox may have acted on it: \(what) Check at LiveVox before retrying it.")
        }
        if error.code == .upstreamInvalidResponse {
            return .unknown(reason: "LiveVox answered something unreadable, so it may have acted: \(what)")
        }
        var wait = Self.wait(afterAttempts: attempts)
        wait += wait * (0.2 * min(max(random, 0), 1))
        if let retryAfter = error.retryAfter, retryAfter > wait { wait = retryAfter }
        let next = nowMillis + Self.millis(wait)
        if next > firstAttemptMillis + Self.millis(maxAge) {
            return .dead(reason: "Given up after \(attempts) attempts over \(Self.millis(maxAge) / 3_600_000) h: \(what)",
                         upstreamStatus: error.upstreamStatus)
        }
        return .retry(atMillis: next, error: what, upstreamStatus: error.upstreamStatus)
    }

    static func millis(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
