import CallGateStorage

/// The outbox in the audit database: deliveries are admitted by `append` (`SQLiteDeliveryCodec.admit`);
/// their transitions are `Delivery`'s, each read and written back in one write transaction.
extension SQLiteAuditStore: OutboxStore {
    public func claimDueDeliveries(nowMillis: Int64, limit: Int) async throws(AuditStoreError) -> [Delivery] {
        try AuditQuery.validate(limit: limit)
        return try await onWriter("claim due deliveries") { context in
            try context.transaction {
                let due = try SQLiteDeliveryCodec.select(
                    "SELECT \(SQLiteDeliveryCodec.columns) FROM deliveries " +
                        "WHERE status = 'pending' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, position LIMIT ?2",
                    [.integer(nowMillis), .integer(Int64(limit))], context.connection
                )
                return try due.map { row in
                    let claimed = row.delivery.claimed(nowMillis: nowMillis)
                    try SQLiteDeliveryCodec.update(claimed, context.connection)
                    return claimed
                }
            }
        }
    }

    @discardableResult
    public func completeDelivery(
        id: String, outcome: DeliveryOutcome, nowMillis: Int64
    ) async throws(AuditStoreError) -> Delivery {
        try await onWriter("complete delivery \(id)") { context in
            try context.transaction {
                try SQLiteDeliveryCodec.complete(DeliveryCompletion(deliveryId: id, outcome: outcome, nowMillis: nowMillis),
                                                 context.connection).get()
            }
        }
    }

    public func delivery(id: String, services: Set<Int64>?) async throws(AuditStoreError) -> Delivery? {
        try await onReader("read delivery \(id)") { context in
            try SQLiteDeliveryCodec.select(SQLiteDeliveryCodec.selectById(services: services), [.text(id)], context.connection)
                .first?.delivery
        }
    }

    public func deliveries(
        status: DeliveryStatus?, services: Set<Int64>?, limit: Int, beforeCursor: Int64?
    ) async throws(AuditStoreError) -> DeliveryPage {
        try AuditQuery.validate(limit: limit)
        return try await onReader("list deliveries") { context in
            var sql = "SELECT \(SQLiteDeliveryCodec.columns) FROM deliveries WHERE position < ?1"
            var values: [SQLiteValue] = [.integer(beforeCursor ?? .max)]
            if let status {
                sql += " AND status = ?\(values.count + 1)"
                values.append(.text(status.rawValue))
            }
            if let services { sql += " AND " + SQLiteServiceScope.condition("service_id", services) }
            sql += " ORDER BY position DESC LIMIT ?\(values.count + 1)"
            // One more than the page: proves that another page follows.
            values.append(.integer(Int64(limit) + 1))
            let rows = try SQLiteDeliveryCodec.select(sql, values, context.connection)
            let page = rows.prefix(limit)
            return DeliveryPage(
                deliveries: page.map(\.delivery), nextCursor: rows.count > limit ? page.last?.position : nil
            )
        }
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

    public func markSendingUnknown(claimedBeforeMillis: Int64, reason: String, nowMillis: Int64) async throws(AuditStoreError) -> Int {
        try await onWriter("mark sending deliveries unknown") { context in
            try context.transaction {
                let interrupted = try SQLiteDeliveryCodec.select(
                    "SELECT \(SQLiteDeliveryCodec.columns) FROM deliveries WHERE status = 'sending' AND updated_ms < ?1 ORDER BY position",
                    [.integer(claimedBeforeMillis)], context.connection
                )
                for row in interrupted {
                    let unknown = try row.delivery.completed(.unknown(reason: reason), nowMillis: nowMillis)
                    try SQLiteDeliveryCodec.update(unknown, context.connection)
                }
                return interrupted.count
            }
        }
    }

    /// One process uses an SQLite file at a time, so at start-up every claim is its previous run's,
    /// whatever the lease.
    public func recoverInterruptedDeliveries(leaseMillis: Int64, nowMillis: Int64) async throws(AuditStoreError) -> Int {
        try await markSendingUnknown(claimedBeforeMillis: .max, reason: Delivery.interruptedError, nowMillis: nowMillis)
    }

    public func pruneDeliveredDeliveries(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        try await pruneDeliveredDeliveries(olderThanMillis: cutoffMillis, chunk: 10_000)
    }

    /// Deletes in transactions of at most `chunk` deliveries, so that the writer (and every request
    /// waiting for a commit) is never held for long.
    func pruneDeliveredDeliveries(olderThanMillis cutoffMillis: Int64, chunk: Int) async throws(AuditStoreError) -> Int {
        var total = 0
        while true {
            let done = total
            let deleted = try await onWriter(
                "prune delivered deliveries older than \(cutoffMillis) (\(done) were pruned before the failure)"
            ) { context in
                try context.transaction {
                    let statement = try context.connection.cached("""
                        DELETE FROM deliveries WHERE position IN (SELECT position FROM deliveries \
                        WHERE status = 'delivered' AND updated_ms < ?1 ORDER BY position LIMIT ?2)
                        """)
                    defer { statement.reset() }
                    try statement.bind(1, cutoffMillis)
                    try statement.bind(2, Int64(chunk))
                    try statement.run()
                    return context.connection.changes
                }
            }
            total += deleted
            if deleted < chunk { return total }
        }
    }

    public func nextDueMillis() async throws(AuditStoreError) -> Int64? {
        try await onReader("find the next due delivery") { context in
            let statement = try context.connection.cached(
                "SELECT min(next_attempt_ms) FROM deliveries WHERE status = 'pending'"
            )
            defer { statement.reset() }
            return try statement.step() ? statement.optionalInt64(0) : nil
        }
    }

    /// Reads delivery `id`, applies `change` and writes the result, in one write transaction;
    /// throws `notFound` when there is no such delivery in `services`, and what `change` throws.
    private func transition(
        id: String, services: Set<Int64>?, _ action: @autoclosure @escaping @Sendable () -> String,
        _ change: @escaping @Sendable (Delivery) throws(AuditStoreError) -> Delivery
    ) async throws(AuditStoreError) -> Delivery {
        try await onWriter(action()) { context in
            try context.transaction {
                let rows = try SQLiteDeliveryCodec.select(
                    SQLiteDeliveryCodec.selectById(services: services), [.text(id)], context.connection
                )
                guard let current = rows.first?.delivery else {
                    throw Delivery.notFound(id)
                }
                let next = try change(current)
                try SQLiteDeliveryCodec.update(next, context.connection)
                return next
            }
        }
    }
}
