/// Where a delivery stands in the outbox.
///
/// `pending` → (claimed) `sending` → `delivered`, `dead`, `unknown`, or `pending` again for a later
/// attempt (or a later calling window); `dead` and `unknown` → `pending` only by an operator's
/// retry; `pending` → `cancelled` by an operator or the caller, for good.
public enum DeliveryStatus: String, Sendable, Hashable, CaseIterable {
    /// Waiting for its next attempt (`nextAttemptMillis`).
    case pending
    /// Claimed by the delivery worker and being sent to LiveVox.
    case sending
    /// LiveVox accepted it.
    case delivered
    /// LiveVox refused it for good, or the worker gave up; only an operator's retry sends it again.
    case dead
    /// It may or may not have reached LiveVox (the process stopped while it was being sent, or the
    /// worker could not tell); never sent again without an operator's retry.
    case unknown
    /// Cancelled while pending (`DELETE /v1/deliveries/{id}`): never sent.
    case cancelled
}
