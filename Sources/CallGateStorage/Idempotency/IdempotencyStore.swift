/// `Idempotency-Key`s of synchronous requests: the first request with a key proceeds, its response
/// is kept, and a later request with the same key and body gets that response again without
/// calling LiveVox.
///
/// Keys are per principal, kept `ttlMillis` from their first use (a setting of the gateway), and
/// mutable state outside the audit trail's hash chain. Implementations decide atomically, so two
/// concurrent requests with one key never both proceed.
public protocol IdempotencyStore: Sendable {
    /// Decides what to do with a request of `principal` carrying `key`, whose method, path and
    /// body digest to `requestDigest`: `proceed` (a pending entry now holds the key), `replay`,
    /// `mismatch` or `inProgress`. An entry `ttlMillis` or more old counts as absent and is replaced.
    func beginIdempotent(
        principal: String, key: String, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) async throws(AuditStoreError) -> IdempotencyBegin

    /// Keeps `response` for the pending entry of `key`, for later requests to replay; throws
    /// `conflict` when the key has no pending entry (it expired and was taken again, or was abandoned).
    func completeIdempotent(principal: String, key: String, response: StoredResponse) async throws(AuditStoreError)

    /// Deletes the pending entry of `key` (the request failed before reaching LiveVox), so the
    /// client can retry with the same key; a completed entry is kept.
    func abandonIdempotent(principal: String, key: String) async throws(AuditStoreError)

    /// Deletes the entries first used before `cutoffMillis`, pending or completed; returns how many.
    func pruneIdempotency(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int
}
