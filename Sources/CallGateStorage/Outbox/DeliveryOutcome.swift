/// How an attempt ended, as the delivery worker reports it (`OutboxStore.completeDelivery`).
public enum DeliveryOutcome: Sendable, Hashable {
    /// LiveVox accepted it.
    case delivered(upstreamStatus: Int)
    /// A transient failure: attempt again at `atMillis`.
    case retry(atMillis: Int64, error: String, upstreamStatus: Int?)
    /// A permanent refusal, or the worker gave up: never sent again unless an operator retries it.
    case dead(reason: String, upstreamStatus: Int?)
    /// The worker cannot tell whether LiveVox got it (e.g. a timeout after the request was sent):
    /// kept for review, never sent again unless an operator retries it.
    case unknown(reason: String)
    /// Not sent: the calling window was closed when it came due (the rules changed since it was
    /// planned). Pending again, due at `untilMillis`, the claim not counted as an attempt and the
    /// retry limit counted from then.
    case deferred(untilMillis: Int64, reason: String)
}
