import CallGateStorage

/// The file read row by row as stored, for `callgate store copy` (the usual source: one
/// instance's file moved to a shared PostgreSQL store). Every read runs on a reader.
extension SQLiteAuditStore: StoreCopySource {
    package func inventory() async throws(AuditStoreError) -> StoreInventory {
        try await onReader("take the store's inventory") { context in
            let connection = context.connection
            try connection.execute("BEGIN")
            defer { try? connection.execute("COMMIT") }
            return StoreInventory(
                records: Int(try connection.integer("SELECT count(*) FROM audit_records") ?? 0),
                head: try Self.loadTail(connection).anchor,
                checkpoint: try Self.loadCheckpoint(connection),
                deliveries: Int(try connection.integer("SELECT count(*) FROM deliveries") ?? 0),
                idempotencyKeys: Int(try connection.integer("SELECT count(*) FROM idempotency_keys") ?? 0)
            )
        }
    }

    package func storedRecords(afterSequence: Int64, limit: Int) async throws(AuditStoreError) -> [AuditRecord] {
        try await onReader("read records after \(afterSequence)") { context in
            let select = try context.connection.cached(
                "SELECT \(SQLiteRecordCodec.columns) FROM audit_records r WHERE r.sequence > ?1 ORDER BY r.sequence LIMIT ?2"
            )
            defer { select.reset() }
            try select.bind(1, afterSequence)
            try select.bind(2, Int64(limit))
            var records: [AuditRecord] = []
            while try select.step() {
                records.append(try SQLiteRecordCodec.decode(select).record)
            }
            return records
        }
    }

    package func storedDeliveries(afterPosition: Int64, limit: Int) async throws(AuditStoreError) -> [StoredDelivery] {
        try await onReader("read deliveries after position \(afterPosition)") { context in
            try SQLiteDeliveryCodec.select(
                "SELECT \(SQLiteDeliveryCodec.columns) FROM deliveries WHERE position > ?1 ORDER BY position LIMIT ?2",
                [.integer(afterPosition), .integer(Int64(limit))], context.connection
            ).map { StoredDelivery(position: $0.position, delivery: $0.delivery) }
        }
    }

    package func storedIdempotencyKeys(after: StoredIdempotencyKey?, limit: Int) async throws(AuditStoreError) -> [StoredIdempotencyKey] {
        try await onReader("read idempotency keys") { context in
            // BINARY, SQLite's default collation, compares UTF-8 bytes: the byte order promised.
            let select = try context.connection.cached("""
                SELECT principal, key, request_digest, created_ms, response_status, response_headers, response_body \
                FROM idempotency_keys WHERE (principal, key) > (?1, ?2) ORDER BY principal, key LIMIT ?3
                """)
            defer { select.reset() }
            // Keys are never empty, so every stored pair sorts after the empty one, the first cursor.
            try select.bind(1, after?.principal ?? "")
            try select.bind(2, after?.key ?? "")
            try select.bind(3, Int64(limit))
            var keys: [StoredIdempotencyKey] = []
            while try select.step() {
                let principal = select.text(0)
                let key = select.text(1)
                keys.append(StoredIdempotencyKey(
                    principal: principal, key: key,
                    entry: try Self.decodeIdempotencyEntry(select, from: 2, principal: principal, key: key)
                ))
            }
            return keys
        }
    }
}
