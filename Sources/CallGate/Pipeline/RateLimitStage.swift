/// Counts each authenticated request against its principal's rate limit (or the default one);
/// 429 with `Retry-After` when it is over. The decision's `RateLimit-*` headers go on the answer.
struct RateLimitStage: Sendable {
    let limiter: RateLimiter
    let defaultLimit: RateLimit?
    /// The limits' clock: the wall clock in nanoseconds, which every instance sharing a store
    /// shares (fixed in tests, so limits are decided deterministically there).
    let nowNanos: @Sendable () -> Int64

    func admit(_ principal: Principal, draft: inout AuditDraft) throws(Problem) {
        guard let limit = principal.rateLimit ?? defaultLimit else { return }
        let decision = limiter.check(principal.rateLimitKey, limit, nowNanos: nowNanos())
        draft.rateLimit = decision
        guard let retryAfter = decision.retryAfterSeconds else { return }
        var problem = Problem(429, .rateLimited, "'\(principal.name)' may make \(Self.rate(limit)) (bursts of \(limit.burst)); retry in \(retryAfter) s.")
        problem.retryAfterSeconds = retryAfter
        throw problem
    }

    /// "20 requests per second", "1 request per second", "0.5 requests per second".
    private static func rate(_ limit: RateLimit) -> String {
        let value = limit.requestsPerSecond
        let number = value == value.rounded() ? String(Int(value)) : String(value)
        return "\(number) request\(value == 1 ? "" : "s") per second"
    }
}
