/// What the store holds for one key.
package struct IdempotencyEntry: Sendable, Hashable {
    /// The digest of the request that first used the key.
    package var requestDigest: [UInt8]
    /// When the key was first used.
    package var createdMillis: Int64
    /// The response kept; nil while the request is in progress.
    package var response: StoredResponse?

    package init(requestDigest: [UInt8], createdMillis: Int64, response: StoredResponse?) {
        self.requestDigest = requestDigest
        self.createdMillis = createdMillis
        self.response = response
    }
}

extension IdempotencyEntry {
    /// The error of `completeIdempotent` for a key with no pending entry.
    package static func notInProgress(principal: String, key: String) -> AuditStoreError {
        AuditStoreError(
            code: .conflict,
            detail: "The idempotency key \(key) of \(principal) has no request in progress: it was completed, abandoned, or expired and taken again."
        )
    }
}
