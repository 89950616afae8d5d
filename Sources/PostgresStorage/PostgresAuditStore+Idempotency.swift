import CallGateStorage

/// The `Idempotency-Key`s in the PostgreSQL database: schema version 3
/// (`Migrations/0003_Idempotency.swift`).
///
/// Not in this build yet: every operation fails as `unavailable` with a sentence saying so.
extension PostgresAuditStore: IdempotencyStore {
    public func beginIdempotent(
        principal: String, key: String, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) async throws(AuditStoreError) -> IdempotencyBegin {
        throw idempotencyMissing()
    }

    public func completeIdempotent(principal: String, key: String, response: StoredResponse) async throws(AuditStoreError) {
        throw idempotencyMissing()
    }

    public func abandonIdempotent(principal: String, key: String) async throws(AuditStoreError) {
        throw idempotencyMissing()
    }

    public func pruneIdempotency(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        throw idempotencyMissing()
    }

    private func idempotencyMissing() -> AuditStoreError {
        AuditStoreError(
            code: .unavailable,
            detail: "The PostgreSQL store keeps no Idempotency-Keys in this build; use an sqlite: store for them."
        )
    }
}
