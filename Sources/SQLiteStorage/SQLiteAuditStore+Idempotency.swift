import CallGateStorage

/// Idempotency keys in the audit database: every call runs on the write thread, so a key's
/// decision and its pending entry are one step that no other request can interleave with.
extension SQLiteAuditStore: IdempotencyStore {
    public func beginIdempotent(
        principal: String, key: String, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) async throws(AuditStoreError) -> IdempotencyBegin {
        try await onWriter("begin the request with idempotency key \(key)") { context in
            try context.transaction {
                let connection = context.connection
                let decision = IdempotencyBegin.decide(
                    existing: try Self.idempotencyEntry(principal: principal, key: key, connection),
                    requestDigest: requestDigest, nowMillis: nowMillis, ttlMillis: ttlMillis
                )
                if decision == .proceed {
                    let insert = try connection.cached("""
                        INSERT OR REPLACE INTO idempotency_keys (principal, key, request_digest, created_ms) \
                        VALUES (?1, ?2, ?3, ?4)
                        """)
                    defer { insert.reset() }
                    try insert.bind(1, principal)
                    try insert.bind(2, key)
                    try insert.bind(3, requestDigest)
                    try insert.bind(4, nowMillis)
                    try insert.run()
                }
                return decision
            }
        }
    }

    public func completeIdempotent(
        principal: String, key: String, response: StoredResponse
    ) async throws(AuditStoreError) {
        try await onWriter("keep the response of idempotency key \(key)") { context in
            let connection = context.connection
            let update = try connection.cached("""
                UPDATE idempotency_keys SET response_status = ?3, response_headers = ?4, response_body = ?5 \
                WHERE principal = ?1 AND key = ?2 AND response_status IS NULL
                """)
            defer { update.reset() }
            try update.bind(1, principal)
            try update.bind(2, key)
            try update.bind(3, Int64(response.status))
            try update.bind(4, response.headersJSON)
            try update.bind(5, response.body)
            try update.run()
            guard connection.changes == 1 else { throw IdempotencyEntry.notInProgress(principal: principal, key: key) }
        }
    }

    public func abandonIdempotent(principal: String, key: String) async throws(AuditStoreError) {
        try await onWriter("abandon idempotency key \(key)") { context in
            let delete = try context.connection.cached(
                "DELETE FROM idempotency_keys WHERE principal = ?1 AND key = ?2 AND response_status IS NULL"
            )
            defer { delete.reset() }
            try delete.bind(1, principal)
            try delete.bind(2, key)
            try delete.run()
        }
    }

    public func pruneIdempotency(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        var total = 0
        // In chunks, like the trail's prune, so that appends get the write thread in between.
        while true {
            let deleted = try await onWriter("prune idempotency keys older than \(cutoffMillis)") { context in
                let delete = try context.connection.cached("""
                    DELETE FROM idempotency_keys WHERE rowid IN \
                    (SELECT rowid FROM idempotency_keys WHERE created_ms < ?1 LIMIT ?2)
                    """)
                defer { delete.reset() }
                try delete.bind(1, cutoffMillis)
                try delete.bind(2, Int64(Self.pruneChunkSize))
                try delete.run()
                return context.connection.changes
            }
            total += deleted
            if deleted < Self.pruneChunkSize { return total }
        }
    }

    /// What the store holds for `key` of `principal`; nil when nothing.
    private static func idempotencyEntry(
        principal: String, key: String, _ connection: SQLiteConnection
    ) throws -> IdempotencyEntry? {
        let select = try connection.cached("""
            SELECT request_digest, created_ms, response_status, response_headers, response_body \
            FROM idempotency_keys WHERE principal = ?1 AND key = ?2
            """)
        defer { select.reset() }
        try select.bind(1, principal)
        try select.bind(2, key)
        guard try select.step() else { return nil }
        return try decodeIdempotencyEntry(select, from: 0, principal: principal, key: key)
    }

    /// The entry in the current row of `row`, whose columns from `first` on are request_digest,
    /// created_ms, response_status, response_headers, response_body.
    static func decodeIdempotencyEntry(
        _ row: SQLiteStatement, from first: Int32, principal: String, key: String
    ) throws(AuditStoreError) -> IdempotencyEntry {
        var entry = IdempotencyEntry(requestDigest: row.blob(first), createdMillis: row.int64(first + 1), response: nil)
        if let status = row.optionalInt64(first + 2) {
            guard let headers = StoredResponse.decodeHeaders(row.text(first + 3)) else {
                throw StoredResponse.unreadableHeaders(principal: principal, key: key)
            }
            entry.response = StoredResponse(status: Int(truncatingIfNeeded: status), headers: headers, body: row.blob(first + 4))
        }
        return entry
    }
}
