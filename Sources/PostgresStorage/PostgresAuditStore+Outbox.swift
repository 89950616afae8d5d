import CallGateStorage
import PostgresNIO

/// The webhook outbox in the PostgreSQL database: schema version 2 (`Migrations/0002_Outbox.swift`).
///
/// Not in this build yet: every outbox operation, and an append carrying a delivery, fails as
/// `unavailable` with a sentence saying so, and nothing of its batch is stored.
extension PostgresAuditStore: OutboxStore {
    /// The outbox change of `item` (a delivery to admit, or an attempt to complete), made in the
    /// append's transaction on `connection`: the one place appends reach the outbox.
    func applyOutboxChanges(
        of item: AuditAppend, _ connection: PostgresConnection
    ) async throws -> (admission: DeliveryAdmission?, completed: Result<Delivery, AuditStoreError>?) {
        guard item.delivery == nil, item.completion == nil else { throw outboxMissing() }
        return (nil, nil)
    }

    public func claimDueDeliveries(nowMillis: Int64, limit: Int) async throws(AuditStoreError) -> [Delivery] {
        throw outboxMissing()
    }

    public func completeDelivery(id: String, outcome: DeliveryOutcome, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        throw outboxMissing()
    }

    public func delivery(id: String, services: Set<Int64>?) async throws(AuditStoreError) -> Delivery? {
        throw outboxMissing()
    }

    public func deliveries(
        status: DeliveryStatus?, services: Set<Int64>?, limit: Int, beforeCursor: Int64?
    ) async throws(AuditStoreError) -> DeliveryPage {
        throw outboxMissing()
    }

    public func retryDelivery(id: String, services: Set<Int64>?, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        throw outboxMissing()
    }

    public func markSendingUnknown(claimedBeforeMillis: Int64, reason: String, nowMillis: Int64) async throws(AuditStoreError) -> Int {
        throw outboxMissing()
    }

    public func nextDueMillis() async throws(AuditStoreError) -> Int64? {
        throw outboxMissing()
    }

    public func pruneDeliveredDeliveries(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        throw outboxMissing()
    }

    private func outboxMissing() -> AuditStoreError {
        AuditStoreError(
            code: .unavailable,
            detail: "The PostgreSQL store has no webhook outbox in this build; use an sqlite: store for webhooks."
        )
    }
}
