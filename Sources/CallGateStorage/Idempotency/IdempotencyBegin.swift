/// What to do with a request carrying an `Idempotency-Key`.
public enum IdempotencyBegin: Sendable, Hashable {
    /// The key is new (or expired): handle the request, then `completeIdempotent` or `abandonIdempotent`.
    case proceed
    /// The same request was completed: answer with this response, without calling LiveVox.
    case replay(StoredResponse)
    /// The key was used for another request (a different digest): refuse.
    case mismatch
    /// The same request is still being handled: refuse for now (the client retries later).
    case inProgress

    /// The decision for a request digesting to `requestDigest` when `existing` holds the key;
    /// nil `existing` (or an expired one) proceeds.
    package static func decide(
        existing: IdempotencyEntry?, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) -> IdempotencyBegin {
        guard let existing, nowMillis - existing.createdMillis < ttlMillis else { return .proceed }
        guard existing.requestDigest == requestDigest else { return .mismatch }
        guard let response = existing.response else { return .inProgress }
        return .replay(response)
    }
}
