import CallGateStorage
import PostgresNIO

/// Pruning: the oldest records in chunks, the checkpoint moved to the last one deleted.
extension PostgresAuditStore {
    /// Records pruned per transaction, so a large prune never holds its locks for long.
    static let pruneChunkSize = 10_000

    /// The advisory lock that serializes prunes across instances: "CGPR".
    private static let pruneLockKey: Int64 = 0x4347_5052

    public func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        var total = 0
        while true {
            let done = total
            let chunk = try await perform(
                "prune records older than \(cutoffMillis) (\(done) were pruned before the failure)"
            ) { [self] client in
                try await client.withTransaction(logger: logger) { connection in
                    try await pruneChunk(olderThan: cutoffMillis, connection)
                }
            }
            total += chunk.deleted
            if chunk.finished { return total }
        }
    }

    private func pruneChunk(olderThan cutoffMillis: Int64, _ connection: PostgresConnection) async throws -> (deleted: Int, finished: Bool) {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.pruneLockKey))", logger: logger)
        let previous = try await Self.loadCheckpoint(connection, logger: logger)
        let oldest = try await connection.query(
            "SELECT sequence, time_ms, hash FROM audit_records ORDER BY sequence LIMIT \(Int64(Self.pruneChunkSize))", logger: logger
        )
        var last: ChainAnchor?
        var maxTime = previous?.maxTimeMillis ?? .min
        var scanned = 0
        var reachedNewer = false
        for try await (sequence, time, hash) in oldest.decode((Int64, Int64, String).self) {
            // The rows are read to the end either way: the statement must finish before the next.
            if reachedNewer || time >= cutoffMillis {
                reachedNewer = true
                continue
            }
            last = ChainAnchor(sequence: sequence, hash: hash)
            maxTime = max(maxTime, time)
            scanned += 1
        }
        let finished = reachedNewer || scanned < Self.pruneChunkSize
        guard let last else { return (0, true) }
        try await connection.query("DELETE FROM audit_records WHERE sequence <= \(last.sequence)", logger: logger)
        var checkpoint = ChainCheckpoint(anchor: last, maxTimeMillis: maxTime, prunedAtMillis: FileSystem.nowMillis(), mac: nil)
        checkpoint.mac = keys.checkpointMAC(checkpoint)
        try await connection.query("""
            INSERT INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms, mac)
            VALUES (1, \(checkpoint.anchor.sequence), \(checkpoint.anchor.hash), \(checkpoint.maxTimeMillis), \(checkpoint.prunedAtMillis), \(checkpoint.mac))
            ON CONFLICT (id) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash,
                max_time_ms = EXCLUDED.max_time_ms, pruned_at_ms = EXCLUDED.pruned_at_ms, mac = EXCLUDED.mac
            """, logger: logger)
        return (scanned, finished)
    }
}
