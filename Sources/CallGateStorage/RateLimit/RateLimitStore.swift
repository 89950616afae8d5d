/// Where the rate limiter keeps, per principal, the instant at which its next request would
/// conform (the generic cell rate algorithm's one number per key), and applies one request to it
/// atomically.
///
/// The requirement is synchronous: it runs on every rate-limited request, where a suspension would
/// cost more than the decision. A backend shared by several instances therefore answers from
/// state it holds in the process and exchanges it with the other instances out of line; it must
/// give the same answers as `InProcessRateLimitStore` for the requests it sees (the conformance
/// suite checks it).
public protocol RateLimitStore: Sendable {
    /// Applies one request of `key` at `nowNanos`: the key's instant starts at the later of its
    /// stored value and `nowNanos`; when that start plus `intervalNanos` lies at most `windowNanos`
    /// ahead of `nowNanos`, the request is admitted and the instant moves to start plus interval;
    /// otherwise it is refused and nothing changes.
    func admit(_ key: String, intervalNanos: Int64, windowNanos: Int64, nowNanos: Int64) -> RateLimitAdmission
}

/// What `RateLimitStore.admit` decided for one request.
public struct RateLimitAdmission: Sendable, Hashable {
    /// Whether the request may go on.
    public var isAdmitted: Bool
    /// The key's instant the decision started from: the later of its stored value and the request's time.
    public var startNanos: Int64

    /// Creates a decision.
    public init(isAdmitted: Bool, startNanos: Int64) {
        self.isAdmitted = isAdmitted
        self.startNanos = startNanos
    }
}
