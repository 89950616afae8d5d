import CallGateStorage
import Logging
import NIOCore
import PostgresNIO

/// The database read row by row as stored, and filled with a whole copy of another store
/// (`callgate store copy`, one instance's SQLite file moved to the store several instances share).
extension PostgresAuditStore: StoreCopyDestination {
    package func inventory() async throws(AuditStoreError) -> StoreInventory {
        try await perform("take the store's inventory") { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                return try await Self.inventory(connection, logger: logger)
            }
        }
    }

    private static func inventory(_ connection: PostgresConnection, logger: Logger) async throws -> StoreInventory {
        StoreInventory(
            records: try await count(connection.query("SELECT count(*) FROM audit_records", logger: logger)),
            head: try await readHead(connection.query("SELECT sequence, hash FROM audit_head WHERE id = 1", logger: logger)),
            checkpoint: try await loadCheckpoint(connection, logger: logger),
            deliveries: try await count(connection.query("SELECT count(*) FROM deliveries", logger: logger)),
            idempotencyKeys: try await count(connection.query("SELECT count(*) FROM idempotency_keys", logger: logger))
        )
    }

    package func storedRecords(afterSequence: Int64, limit: Int) async throws(AuditStoreError) -> [AuditRecord] {
        try await perform("read records after \(afterSequence)") { [self] client in
            let rows = try await client.query("""
                SELECT \(unescaped: PostgresRecordCodec.columns) FROM audit_records r
                WHERE r.sequence > \(afterSequence) ORDER BY r.sequence LIMIT \(Int64(limit))
                """, logger: logger)
            var records: [AuditRecord] = []
            for try await row in rows {
                do throws(UnreadableRecord) {
                    records.append(try PostgresRecordCodec.decode(row))
                } catch {
                    throw PostgresRecordCodec.storeError(error, "read records after \(afterSequence)")
                }
            }
            return records
        }
    }

    package func storedDeliveries(afterPosition: Int64, limit: Int) async throws(AuditStoreError) -> [StoredDelivery] {
        try await perform("read deliveries after position \(afterPosition)") { [self] client in
            try await PostgresDeliveryCodec.collect(client.query("""
                SELECT \(unescaped: PostgresDeliveryCodec.columns) FROM deliveries
                WHERE position > \(afterPosition) ORDER BY position LIMIT \(Int64(limit))
                """, logger: logger)).map { StoredDelivery(position: $0.position, delivery: $0.delivery) }
        }
    }

    package func storedIdempotencyKeys(after: StoredIdempotencyKey?, limit: Int) async throws(AuditStoreError) -> [StoredIdempotencyKey] {
        let principal = after?.principal ?? ""
        let key = after?.key ?? ""
        return try await perform("read idempotency keys") { [self] client in
            // "C" compares bytes, as SQLite's BINARY does: both backends list keys in one order.
            // Keys are never empty, so every stored pair sorts after the empty one, the first cursor.
            let rows = try await client.query("""
                SELECT principal, key, request_digest, created_ms, response_status, response_headers, response_body
                FROM idempotency_keys
                WHERE principal COLLATE "C" > \(principal) OR (principal = \(principal) AND key COLLATE "C" > \(key))
                ORDER BY principal COLLATE "C", key COLLATE "C" LIMIT \(Int64(limit))
                """, logger: logger)
            var keys: [StoredIdempotencyKey] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                let principal = try cells[0].decode(String.self)
                let key = try cells[1].decode(String.self)
                keys.append(StoredIdempotencyKey(
                    principal: principal, key: key,
                    entry: try Self.decodeIdempotencyEntry(cells, from: 2, principal: principal, key: key)
                ))
            }
            return keys
        }
    }

    /// The instance a copied `sending` delivery is claimed by: its claim's process is gone, so
    /// once its lease has passed (at once, for a claim made before the copy) the sweep of any
    /// instance marks it `unknown`, as for any claim whose instance died.
    static let copiedClaimInstance = "callgate store copy"

    package func importCopy(of inventory: StoreInventory, from source: any StoreCopySource, batchSize: Int) async throws(AuditStoreError) {
        // As long as the store is large, but each batch within the operation timeout: a server
        // lost mid-copy fails it then, whatever the query waiting on the dead connection does.
        let progress = PostgresPool.Progress()
        try await perform("copy \(inventory.summary)", progress: progress) { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await importCopy(of: inventory, from: source, batchSize: batchSize, progress: progress, connection)
            }
        }
        remember(inventory.head)
    }

    /// The import's transaction: the tables locked against every writer, checked empty, filled.
    private func importCopy(
        of inventory: StoreInventory, from source: any StoreCopySource, batchSize: Int, progress: PostgresPool.Progress,
        _ connection: PostgresConnection
    ) async throws {
        // Another copy or a running instance would interleave its rows: they wait until this commits.
        try await connection.query(
            "LOCK TABLE audit_head, audit_records, audit_checkpoint, deliveries, idempotency_keys IN SHARE ROW EXCLUSIVE MODE",
            logger: logger
        )
        let existing = try await Self.inventory(connection, logger: logger)
        guard existing.isEmpty else {
            throw AuditStoreError(
                code: .conflict,
                detail: "The PostgreSQL store \(address) is not empty (it holds \(existing.summary)): nothing was copied."
            )
        }
        try await source.forEachRecord(of: inventory, batchSize: batchSize) { records in
            try await PostgresRecordCodec.insert(records.map { record in
                PostgresRecordCodec.Row(
                    prepared: PreparedAuditRecord(record), sequence: record.sequence, previousHash: record.previousHash, hash: record.hash
                )
            }, connection, logger: logger)
            progress.advance()
        }
        if let checkpoint = inventory.checkpoint {
            try await connection.query("""
                INSERT INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms, mac)
                VALUES (1, \(checkpoint.anchor.sequence), \(checkpoint.anchor.hash), \(checkpoint.maxTimeMillis),
                    \(checkpoint.prunedAtMillis), \(checkpoint.mac))
                """, logger: logger)
        }
        try await connection.query(
            "UPDATE audit_head SET sequence = \(inventory.head.sequence), hash = \(inventory.head.hash) WHERE id = 1", logger: logger
        )
        let deliveries = try await source.forEachDelivery(batchSize: batchSize) { batch in
            try await PostgresMultiRowInsert.run(
                into: "deliveries", columns: Self.copiedDeliveryColumns, rows: batch, connection, logger: logger, bind: Self.bindCopied
            )
            progress.advance()
        }
        // The next admitted delivery takes the position after the last copied one.
        try await connection.query(
            "SELECT setval(pg_get_serial_sequence('deliveries', 'position'), COALESCE((SELECT max(position) FROM deliveries), 0) + 1, false)",
            logger: logger
        )
        let keys = try await source.forEachIdempotencyKey(batchSize: batchSize) { batch in
            try await PostgresMultiRowInsert.run(
                into: "idempotency_keys", columns: Self.copiedKeyColumns, rows: batch, connection, logger: logger, bind: Self.bindCopied
            )
            progress.advance()
        }
        guard deliveries == inventory.deliveries, keys == inventory.idempotencyKeys else {
            throw StoreCopy.sourceChanged("it held \(deliveries) deliveries and \(keys) idempotency keys, not \(inventory.deliveries) and \(inventory.idempotencyKeys)")
        }
    }

    private static let copiedDeliveryColumns = [
        "position", "id", "source", "webhook_id", "operation", "service_id", "payload", "request_id", "created_ms", "status",
        "attempts", "next_attempt_ms", "updated_ms", "last_error", "upstream_status", "claimed_by", "claimed_ms",
        "first_attempt_ms", "window_query",
    ]

    private static func bindCopied(_ stored: StoredDelivery, _ bindings: inout PostgresBindings) {
        let delivery = stored.delivery
        let sending = delivery.status == .sending
        bindings.append(stored.position)
        bindings.append(delivery.id)
        bindings.append(delivery.source)
        bindings.append(delivery.webhookId)
        bindings.append(delivery.operation)
        bindings.append(delivery.serviceId)
        bindings.append(ByteBuffer(bytes: delivery.payload))
        bindings.append(delivery.requestId)
        bindings.append(delivery.createdMillis)
        bindings.append(delivery.status.rawValue)
        bindings.append(Int64(delivery.attempts))
        bindings.append(delivery.nextAttemptMillis)
        bindings.append(delivery.updatedMillis)
        bindings.append(delivery.lastError)
        bindings.append(delivery.upstreamStatus.map(Int64.init))
        bindings.append(sending ? copiedClaimInstance : nil)
        bindings.append(sending ? delivery.updatedMillis : nil)
        bindings.append(delivery.firstAttemptMillis)
        bindings.append(delivery.windowQuery.map { ByteBuffer(bytes: $0) })
    }

    private static let copiedKeyColumns = [
        "principal", "key", "request_digest", "created_ms", "response_status", "response_headers", "response_body",
    ]

    private static func bindCopied(_ stored: StoredIdempotencyKey, _ bindings: inout PostgresBindings) {
        let response = stored.entry.response
        bindings.append(stored.principal)
        bindings.append(stored.key)
        bindings.append(ByteBuffer(bytes: stored.entry.requestDigest))
        bindings.append(stored.entry.createdMillis)
        bindings.append(response.map { Int64($0.status) })
        bindings.append(response?.headersJSON)
        bindings.append(response.map { ByteBuffer(bytes: $0.body) })
    }
}
