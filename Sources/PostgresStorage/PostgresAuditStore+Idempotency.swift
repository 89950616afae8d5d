import CallGateStorage
import Logging
import NIOCore
import PostgresNIO

/// The `Idempotency-Key`s in the PostgreSQL database (schema version 3,
/// `Migrations/0003_Idempotency.swift`), one table for every instance.
///
/// A key's decision is one transaction: the insert of a pending entry, which the primary key lets
/// only one transaction make (another instance's insert of the same key waits for it, then finds
/// the row), or else the entry locked `FOR UPDATE` and decided by `IdempotencyBegin.decide`. So
/// the same key sent to two instances at once proceeds on one, and the other is told it is in
/// progress; a completed key replays from any instance.
extension PostgresAuditStore: IdempotencyStore {
    public func beginIdempotent(
        principal: String, key: String, requestDigest: [UInt8], nowMillis: Int64, ttlMillis: Int64
    ) async throws(AuditStoreError) -> IdempotencyBegin {
        try await perform("begin the request with idempotency key \(key)") { [self] client in
            // The row found taken can be deleted (abandoned, pruned) before it is read: then the
            // key is free again, and the insert is tried once more.
            for _ in 0..<3 {
                let decision = try await client.withTransaction(logger: logger) { connection -> IdempotencyBegin? in
                    let inserted = try await connection.query("""
                        INSERT INTO idempotency_keys (principal, key, request_digest, created_ms)
                        VALUES (\(principal), \(key), \(ByteBuffer(bytes: requestDigest)), \(nowMillis))
                        ON CONFLICT (principal, key) DO NOTHING RETURNING 1
                        """, logger: logger)
                    var created = false
                    for try await _ in inserted { created = true }
                    if created { return .proceed }
                    guard let existing = try await Self.idempotencyEntry(principal: principal, key: key, connection, logger: logger) else {
                        return nil
                    }
                    let decision = IdempotencyBegin.decide(
                        existing: existing, requestDigest: requestDigest, nowMillis: nowMillis, ttlMillis: ttlMillis
                    )
                    if decision == .proceed {
                        try await connection.query("""
                            UPDATE idempotency_keys SET request_digest = \(ByteBuffer(bytes: requestDigest)), created_ms = \(nowMillis),
                                response_status = NULL, response_headers = NULL, response_body = NULL
                            WHERE principal = \(principal) AND key = \(key)
                            """, logger: logger)
                    }
                    return decision
                }
                if let decision { return decision }
            }
            throw AuditStoreError(
                code: .unavailable,
                detail: "The idempotency key \(key) of \(principal) was taken and released three times while it was being decided; try again."
            )
        }
    }

    public func completeIdempotent(principal: String, key: String, response: StoredResponse) async throws(AuditStoreError) {
        let updated = try await perform("keep the response of idempotency key \(key)") { [self] client in
            var updated = false
            for try await _ in try await client.query("""
                UPDATE idempotency_keys SET response_status = \(Int64(response.status)), response_headers = \(response.headersJSON),
                    response_body = \(ByteBuffer(bytes: response.body))
                WHERE principal = \(principal) AND key = \(key) AND response_status IS NULL RETURNING 1
                """, logger: logger) {
                updated = true
            }
            return updated
        }
        guard updated else { throw IdempotencyEntry.notInProgress(principal: principal, key: key) }
    }

    public func abandonIdempotent(principal: String, key: String) async throws(AuditStoreError) {
        try await perform("abandon idempotency key \(key)") { [self] client in
            try await client.query(
                "DELETE FROM idempotency_keys WHERE principal = \(principal) AND key = \(key) AND response_status IS NULL",
                logger: logger
            )
            return ()
        }
    }

    public func pruneIdempotency(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        try await deleteInChunks("prune idempotency keys older than \(cutoffMillis)") { limit in """
            DELETE FROM idempotency_keys WHERE (principal, key) IN
                (SELECT principal, key FROM idempotency_keys WHERE created_ms < \(cutoffMillis) LIMIT \(limit))
            """
        }
    }

    /// What the database holds for `key` of `principal`, locked for the transaction; nil when nothing.
    private static func idempotencyEntry(
        principal: String, key: String, _ connection: PostgresConnection, logger: Logger
    ) async throws -> IdempotencyEntry? {
        let rows = try await connection.query("""
            SELECT request_digest, created_ms, response_status, response_headers, response_body
            FROM idempotency_keys WHERE principal = \(principal) AND key = \(key) FOR UPDATE
            """, logger: logger)
        var entry: IdempotencyEntry?
        for try await row in rows {
            entry = try decodeIdempotencyEntry(row.makeRandomAccess(), from: 0, principal: principal, key: key)
        }
        return entry
    }

    /// The entry in `cells`, whose columns from `first` on are request_digest, created_ms,
    /// response_status, response_headers, response_body.
    static func decodeIdempotencyEntry(
        _ cells: PostgresRandomAccessRow, from first: Int, principal: String, key: String
    ) throws -> IdempotencyEntry {
        var entry = IdempotencyEntry(
            requestDigest: Array(try cells[first].decode(ByteBuffer.self).readableBytesView),
            createdMillis: try cells[first + 1].decode(Int64.self), response: nil
        )
        if let status = try cells[first + 2].decode(Int64?.self) {
            guard let headers = StoredResponse.decodeHeaders(try cells[first + 3].decode(String?.self) ?? "") else {
                throw StoredResponse.unreadableHeaders(principal: principal, key: key)
            }
            let body = try cells[first + 4].decode(ByteBuffer?.self).map { Array($0.readableBytesView) } ?? []
            entry.response = StoredResponse(status: Int(truncatingIfNeeded: status), headers: headers, body: body)
        }
        return entry
    }
}
