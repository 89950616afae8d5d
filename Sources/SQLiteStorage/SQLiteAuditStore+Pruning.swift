import CallGateStorage

/// Pruning: the oldest records in chunks, the checkpoint moved to the last one deleted.
extension SQLiteAuditStore {
    /// Records pruned per transaction, so a large prune never holds the write lock for long.
    static let pruneChunkSize = 10_000

    public func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        var total = 0
        while true {
            let done = total
            let chunk = try await onWriter(
                "prune records older than \(cutoffMillis) (\(done) were pruned before the failure)"
            ) { [self] context in
                try pruneChunk(olderThan: cutoffMillis, context: context)
            }
            total += chunk.deleted
            if chunk.finished { return total }
        }
    }

    private func pruneChunk(olderThan cutoffMillis: Int64, context: WriteContext) throws -> (deleted: Int, finished: Bool) {
        try context.transaction { () throws -> (deleted: Int, finished: Bool) in
            let connection = context.connection
            let (last, finished) = try Self.lastPrunable(olderThan: cutoffMillis, connection)
            guard let last else { return (0, true) }
            // Index blocks wholly pruned; rows of a partly pruned block point nowhere and are ignored.
            let search = try connection.cached("DELETE FROM audit_search WHERE block < ?1")
            defer { search.reset() }
            try search.bind(1, SQLiteSearchIndex.block(of: last.sequence + 1))
            try search.run()
            let postings = try connection.cached("DELETE FROM audit_search_postings WHERE block < ?1")
            defer { postings.reset() }
            try postings.bind(1, SQLiteSearchIndex.block(of: last.sequence + 1))
            try postings.run()
            let records = try connection.cached("DELETE FROM audit_records WHERE sequence <= ?1")
            defer { records.reset() }
            try records.bind(1, last.sequence)
            try records.run()
            let deleted = connection.changes
            var checkpoint = ChainCheckpoint(
                anchor: last.anchor, maxTimeMillis: last.maxTimeMillis, prunedAtMillis: FileSystem.nowMillis(), mac: nil
            )
            checkpoint.mac = keys.checkpointMAC(checkpoint)
            try Self.storeCheckpoint(checkpoint, connection)
            return (deleted, finished)
        }
    }

    /// Writes `checkpoint`, MAC included, as the one checkpoint row.
    static func storeCheckpoint(_ checkpoint: ChainCheckpoint, _ connection: SQLiteConnection) throws(SQLiteError) {
        let statement = try connection.cached("""
            INSERT OR REPLACE INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms, mac) \
            VALUES (1, ?1, ?2, ?3, ?4, ?5)
            """)
        defer { statement.reset() }
        try statement.bind(1, checkpoint.anchor.sequence)
        try statement.bind(2, checkpoint.anchor.hash)
        try statement.bind(3, checkpoint.maxTimeMillis)
        try statement.bind(4, checkpoint.prunedAtMillis)
        try statement.bind(5, checkpoint.mac)
        try statement.run()
    }

    /// Among the oldest `pruneChunkSize` records, the last of the prefix older than the cutoff, and
    /// whether the prune is finished after it (a newer record was reached, or no record is left).
    private static func lastPrunable(
        olderThan cutoffMillis: Int64, _ connection: SQLiteConnection
    ) throws -> (last: ChainPoint?, finished: Bool) {
        let oldest = try connection.cached(
            "SELECT sequence, time_ms, hash, max_time_ms FROM audit_records ORDER BY sequence LIMIT ?1"
        )
        defer { oldest.reset() }
        try oldest.bind(1, Int64(pruneChunkSize))
        var last: ChainPoint?
        var scanned = 0
        while try oldest.step() {
            if oldest.int64(1) >= cutoffMillis { return (last, true) }
            last = ChainPoint(sequence: oldest.int64(0), hash: oldest.text(2), maxTimeMillis: oldest.int64(3))
            scanned += 1
        }
        return (last, scanned < pruneChunkSize)
    }
}
