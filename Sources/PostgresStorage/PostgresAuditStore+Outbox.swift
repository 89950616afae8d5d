import CallGateStorage
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// The webhook outbox in the PostgreSQL database (schema version 2, `Migrations/0002_Outbox.swift`),
/// one for every instance sharing it.
///
/// Deliveries are admitted in their record's append transaction (`applyOutboxChanges`); a webhook
/// id is admitted once across instances by the unique constraint on (source, webhook_id). Claims
/// take rows `FOR UPDATE SKIP LOCKED`, so instances claiming at once split the due deliveries
/// between them and never claim one twice; each claim records the instance (`instance`) and its
/// time, where its lease starts. A claim whose instance died is never made pending again: once its
/// lease ends, the worker's sweep of any instance marks it `unknown`.
extension PostgresAuditStore: OutboxStore {
    /// A name for this store's instance, new each time a store is opened (a process run): host,
    /// process id and a random part, so an operator reading `claimed_by` finds the process.
    static func newInstanceName() -> String {
        var host = [CChar](repeating: 0, count: 256)
        let hostName = gethostname(&host, host.count) == 0
            ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown-host"
        return "\(hostName)/\(getpid())/\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// The outbox change of `item` (a delivery to admit, or an attempt to complete), made in the
    /// append's transaction on `connection`: the one place appends reach the outbox.
    func applyOutboxChanges(
        of item: AuditAppend, _ connection: PostgresConnection
    ) async throws -> (admission: DeliveryAdmission?, completed: Result<Delivery, AuditStoreError>?) {
        var admission: DeliveryAdmission?
        if let delivery = item.delivery {
            admission = try await PostgresDeliveryCodec.admit(delivery, requestId: item.record.record.requestId, connection, logger: logger)
        }
        var completed: Result<Delivery, AuditStoreError>?
        if let completion = item.completion {
            completed = try await PostgresDeliveryCodec.complete(completion, connection, logger: logger)
        }
        return (admission, completed)
    }

    public func claimDueDeliveries(nowMillis: Int64, limit: Int) async throws(AuditStoreError) -> [Delivery] {
        try AuditQuery.validate(limit: limit)
        return try await perform("claim due deliveries") { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                let due = try await PostgresDeliveryCodec.collect(connection.query("""
                    SELECT \(unescaped: PostgresDeliveryCodec.columns) FROM deliveries
                    WHERE status = 'pending' AND next_attempt_ms <= \(nowMillis)
                    ORDER BY next_attempt_ms, position LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED
                    """, logger: logger))
                var claimed: [Delivery] = []
                claimed.reserveCapacity(due.count)
                for row in due {
                    let delivery = row.delivery.claimed(nowMillis: nowMillis)
                    try await PostgresDeliveryCodec.update(delivery, claimedBy: instance, connection, logger: logger)
                    claimed.append(delivery)
                }
                return claimed
            }
        }
    }

    @discardableResult
    public func completeDelivery(id: String, outcome: DeliveryOutcome, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        let completed = try await perform("complete delivery \(id)") { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await PostgresDeliveryCodec.complete(
                    DeliveryCompletion(deliveryId: id, outcome: outcome, nowMillis: nowMillis), connection, logger: logger
                )
            }
        }
        return try completed.get()
    }

    public func delivery(id: String, services: Set<Int64>?) async throws(AuditStoreError) -> Delivery? {
        try await perform("read delivery \(id)") { [self] client in
            try await PostgresDeliveryCodec.collect(
                client.query(PostgresDeliveryCodec.selectById(id, services: services, lock: false), logger: logger)
            ).first?.delivery
        }
    }

    public func deliveries(
        status: DeliveryStatus?, services: Set<Int64>?, limit: Int, beforeCursor: Int64?
    ) async throws(AuditStoreError) -> DeliveryPage {
        try AuditQuery.validate(limit: limit)
        var bindings = PostgresBindings()
        bindings.append(beforeCursor ?? .max)
        var sql = "SELECT \(PostgresDeliveryCodec.columns) FROM deliveries WHERE position < $1"
        if let status {
            bindings.append(status.rawValue)
            sql += " AND status = $\(bindings.count)"
        }
        if let services {
            bindings.append(Array(services))
            sql += " AND service_id = ANY($\(bindings.count))"
        }
        // One more than the page: proves that another page follows.
        bindings.append(Int64(limit) + 1)
        sql += " ORDER BY position DESC LIMIT $\(bindings.count)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let rows = try await perform("list deliveries") { [self] client in
            try await PostgresDeliveryCodec.collect(client.query(statement, logger: logger))
        }
        let page = rows.prefix(limit)
        return DeliveryPage(deliveries: page.map(\.delivery), nextCursor: rows.count > limit ? page.last?.position : nil)
    }

    @discardableResult
    public func retryDelivery(id: String, services: Set<Int64>?, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        try await transition(id: id, services: services, "retry delivery \(id)") { delivery throws(AuditStoreError) in
            try delivery.retried(nowMillis: nowMillis)
        }
    }

    @discardableResult
    public func cancelDelivery(id: String, services: Set<Int64>?, nowMillis: Int64) async throws(AuditStoreError) -> Delivery {
        try await transition(id: id, services: services, "cancel delivery \(id)") { delivery throws(AuditStoreError) in
            try delivery.cancelled(nowMillis: nowMillis)
        }
    }

    /// Reads delivery `id` locked, applies `change` and writes the result, in one transaction;
    /// throws `notFound` when there is no such delivery in `services`, and what `change` throws.
    private func transition(
        id: String, services: Set<Int64>?, _ action: String,
        _ change: @escaping @Sendable (Delivery) throws(AuditStoreError) -> Delivery
    ) async throws(AuditStoreError) -> Delivery {
        try await perform(action) { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await PostgresDeliveryCodec.collect(
                    connection.query(PostgresDeliveryCodec.selectById(id, services: services, lock: true), logger: logger)
                )
                guard let current = rows.first?.delivery else { throw Delivery.notFound(id) }
                let next = try change(current)
                try await PostgresDeliveryCodec.update(next, connection, logger: logger)
                return next
            }
        }
    }

    public func markSendingUnknown(claimedBeforeMillis: Int64, reason: String, nowMillis: Int64) async throws(AuditStoreError) -> Int {
        try await perform("mark sending deliveries unknown") { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                // A row another transaction holds is being completed right now: not abandoned.
                let expired = try await PostgresDeliveryCodec.collect(connection.query("""
                    SELECT \(unescaped: PostgresDeliveryCodec.columns) FROM deliveries
                    WHERE status = 'sending' AND claimed_ms < \(claimedBeforeMillis) ORDER BY position FOR UPDATE SKIP LOCKED
                    """, logger: logger))
                for row in expired {
                    try await PostgresDeliveryCodec.update(
                        try row.delivery.completed(.unknown(reason: reason), nowMillis: nowMillis), connection, logger: logger
                    )
                }
                return expired.count
            }
        }
    }

    /// Other instances may be sending the deliveries they claimed, so only claims past their lease
    /// are taken for interrupted.
    public func recoverInterruptedDeliveries(leaseMillis: Int64, nowMillis: Int64) async throws(AuditStoreError) -> Int {
        let (cutoff, overflow) = nowMillis.subtractingReportingOverflow(max(0, leaseMillis))
        return try await markSendingUnknown(
            claimedBeforeMillis: overflow ? .min : cutoff, reason: Delivery.interruptedError, nowMillis: nowMillis
        )
    }

    public func nextDueMillis() async throws(AuditStoreError) -> Int64? {
        try await perform("find the next due delivery") { [self] client in
            var next: Int64?
            for try await value in try await client.query(
                "SELECT min(next_attempt_ms) FROM deliveries WHERE status = 'pending'", logger: logger
            ).decode(Int64?.self) {
                next = value
            }
            return next
        }
    }

    public func pruneDeliveredDeliveries(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        try await deleteInChunks("prune delivered deliveries older than \(cutoffMillis)") { limit in """
            DELETE FROM deliveries WHERE position IN (SELECT position FROM deliveries
                WHERE status = 'delivered' AND updated_ms < \(cutoffMillis) ORDER BY position LIMIT \(limit))
            """
        }
    }

    /// Runs `delete` (a DELETE of at most the rows its limit says) until it deletes fewer than
    /// `pruneChunkSize`, each in a transaction of its own, so that no prune holds its locks for
    /// long; returns how many rows went.
    func deleteInChunks(
        _ action: String, _ delete: @escaping @Sendable (_ limit: Int64) -> PostgresQuery
    ) async throws(AuditStoreError) -> Int {
        var total = 0
        while true {
            let done = total
            let statement = delete(Int64(Self.pruneChunkSize))
            let deleted = try await perform("\(action) (\(done) were deleted before the failure)") { [self] client in
                var counted = PostgresQuery(unsafeSQL: "WITH deleted AS (\(statement.sql) RETURNING 1) SELECT count(*) FROM deleted")
                counted.binds = statement.binds
                return try await Self.count(client.query(counted, logger: logger))
            }
            total += deleted
            if deleted < Self.pruneChunkSize { return total }
        }
    }

    /// The one count a `SELECT count(*)` statement's rows hold.
    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count: Int64 = 0
        for try await value in rows.decode(Int64.self) {
            count = value
        }
        return Int(count)
    }
}
