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
    static func decide(
        existing: IdempotencyEntry?, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) -> IdempotencyBegin {
        guard let existing, nowMillis - existing.createdMillis < ttlMillis else { return .proceed }
        guard existing.requestDigest == requestDigest else { return .mismatch }
        guard let response = existing.response else { return .inProgress }
        return .replay(response)
    }
}

/// What the store holds for one key.
struct IdempotencyEntry: Sendable, Hashable {
    /// The digest of the request that first used the key.
    var requestDigest: [UInt8]
    /// When the key was first used.
    var createdMillis: Int64
    /// The response kept; nil while the request is in progress.
    var response: StoredResponse?
}

/// A response kept for replay.
public struct StoredResponse: Sendable, Hashable {
    /// One header field.
    public struct Header: Sendable, Hashable {
        /// The field name, e.g. `Content-Type`.
        public var name: String
        /// The field value.
        public var value: String

        /// Creates a header field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP status.
    public var status: Int
    /// The header fields to replay, in order (not `X-Request-ID`: each request has its own).
    public var headers: [Header]
    /// The body.
    public var body: [UInt8]

    /// Creates a response to keep.
    public init(status: Int, headers: [Header], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
