/// The webhook outbox: deliveries admitted with their intake's audit record
/// (`AuditStore.append`), then claimed, completed, listed and retried here.
///
/// Implementations are database-specific (`SQLiteAuditStore`, `PostgresAuditStore`), in the same database as the audit
/// trail, so a delivery and its record commit in one transaction. The state rules are
/// database-neutral (`Delivery`'s transitions); errors are `AuditStoreError`s: `notFound` for an
/// unknown id, `conflict` for a transition the delivery's status does not allow, `invalidQuery`
/// for a limit outside 1...1000.
///
/// The operator's reads and retries take `services`, the scope of the principal asking: only
/// deliveries addressing one of them exist for it (nil: every delivery). The scope is a condition
/// of the store's own query, so pages stay full and cursors right, and a delivery outside it is
/// answered exactly as an unknown id.
public protocol OutboxStore: Sendable {
    /// Claims up to `limit` pending deliveries due at `nowMillis` (`nextAttemptMillis <= nowMillis`),
    /// most overdue first (then in arrival order), in one transaction: each becomes `sending` with
    /// one more attempt, claimed at `nowMillis` (its lease starts then) by this store's instance.
    /// Returns them as claimed. Instances sharing the store never claim one delivery twice.
    func claimDueDeliveries(nowMillis: Int64, limit: Int) async throws(AuditStoreError) -> [Delivery]

    /// Records how the attempt of the claimed (`sending`) delivery `id` ended; returns it as updated.
    @discardableResult
    func completeDelivery(id: String, outcome: DeliveryOutcome, nowMillis: Int64) async throws(AuditStoreError) -> Delivery

    /// The delivery `id` when it addresses one of `services` (any, when nil); nil otherwise.
    func delivery(id: String, services: Set<Int64>?) async throws(AuditStoreError) -> Delivery?

    /// One page of deliveries, newest first (in arrival order), only those with `status` when
    /// given and addressing one of `services` when given; `beforeCursor` is the previous page's
    /// `nextCursor`.
    func deliveries(
        status: DeliveryStatus?, services: Set<Int64>?, limit: Int, beforeCursor: Int64?
    ) async throws(AuditStoreError) -> DeliveryPage

    /// Makes the `dead` or `unknown` delivery `id` pending and due at `nowMillis` (an operator's
    /// retry); returns it as updated. Throws `notFound` when it does not address one of
    /// `services` (when given), as for an unknown id.
    @discardableResult
    func retryDelivery(id: String, services: Set<Int64>?, nowMillis: Int64) async throws(AuditStoreError) -> Delivery

    /// Cancels the `pending` delivery `id` for good (`Delivery.cancelled`); returns it as updated.
    /// Throws `conflict` for any other status and `notFound` when it does not address one of
    /// `services` (when given), as for an unknown id.
    @discardableResult
    func cancelDelivery(id: String, services: Set<Int64>?, nowMillis: Int64) async throws(AuditStoreError) -> Delivery

    /// Marks the deliveries `sending` since before `claimedBeforeMillis` `unknown` with `reason`
    /// (they may or may not have reached LiveVox); returns how many. The worker's sweep passes the
    /// end of the lease: a claim older than that was never completed, whichever instance took it.
    func markSendingUnknown(claimedBeforeMillis: Int64, reason: String, nowMillis: Int64) async throws(AuditStoreError) -> Int

    /// Marks `unknown` with `Delivery.interruptedError` the claims that no running instance can
    /// still complete, at start-up before the worker claims anything; returns how many.
    ///
    /// Which claims those are depends on who shares the store. A store one process uses at a time
    /// (SQLite) marks every `sending` delivery: its claimant was this process's previous run. A
    /// store several instances share (PostgreSQL) marks only the claims older than `leaseMillis`,
    /// since a younger one may belong to a live instance still sending it; a dead instance's younger
    /// claims are marked by the sweep (`markSendingUnknown`) once their lease ends. A claim is never
    /// made pending again: it may have reached LiveVox.
    func recoverInterruptedDeliveries(leaseMillis: Int64, nowMillis: Int64) async throws(AuditStoreError) -> Int

    /// When the earliest pending delivery is due (the worker sleeps until then); nil when none is pending.
    func nextDueMillis() async throws(AuditStoreError) -> Int64?

    /// Deletes the `delivered` deliveries last updated before `cutoffMillis` (the audit retention:
    /// their records go at the same age); returns how many. `pending`, `sending`, `dead` and
    /// `unknown` ones are kept whatever their age: they still need the worker or an operator. A
    /// webhook that old cannot be replayed (its timestamp is long outside the tolerance), so
    /// forgetting its id loses no deduplication.
    func pruneDeliveredDeliveries(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int
}

extension OutboxStore {
    /// The delivery `id`, whatever its service; nil when there is none.
    public func delivery(id: String) async throws(AuditStoreError) -> Delivery? {
        try await delivery(id: id, services: nil)
    }

    /// One page of deliveries of every service (see `deliveries(status:services:limit:beforeCursor:)`).
    public func deliveries(status: DeliveryStatus?, limit: Int, beforeCursor: Int64?) async throws(AuditStoreError) -> DeliveryPage {
        try await deliveries(status: status, services: nil, limit: limit, beforeCursor: beforeCursor)
    }

    /// An operator's retry of the delivery `id`, whatever its service (see `retryDelivery(id:services:nowMillis:)`).
    @discardableResult
    public func retryDelivery(id: String, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        try await retryDelivery(id: id, services: nil, nowMillis: nowMillis)
    }
}
