/// A request that failed to authenticate (no or a bad key or token, a webhook signature that does
/// not verify, a path or method no route takes) is refused as usual and audited, up to the limit of its
/// client address a minute (`AuthFailureThrottle`); past it, 429 `too_many_failed_authentications`
/// with `Retry-After` until the minute is over, counted in
/// `callgate_auth_failures_throttled_total` and not audited one by one: the first throttled refusal
/// of an address in a minute writes one summary record (operation ``throttledOperation``,
/// `entryCount` the failures counted so far), at most ``AuthFailureThrottle/maxSummariesPerMinute``
/// of them a minute, so that nothing of a flood waits in memory to be lost at shutdown.
extension Gateway {
    /// The operation of an address's summary record.
    static let throttledOperation = "auth_throttled"

    /// `problem`, or 429 when the request's client address has failed too often this minute.
    func refusingUnauthenticated(_ problem: Problem, _ request: GatewayRequest, draft: inout AuditDraft) -> Problem {
        guard let throttle,
              case .throttled(let retryAfter, let summaryFailures) = throttle.countFailure(from: request.clientAddress, nowMillis: nowMillis())
        else { return problem }
        metrics?.recordAuthFailureThrottled()
        draft.isAudited = summaryFailures != nil
        draft.operation = Self.throttledOperation
        draft.entryCount = summaryFailures
        draft.reason = nil
        var refusal = Problem(429, .tooManyFailedAuthentications,
                              "Requests from this address failed to authenticate more than \(throttle.limitPerMinute) times this minute; retry in \(retryAfter) s with a valid key, token or signature.")
        refusal.retryAfterSeconds = retryAfter
        return refusal
    }
}
