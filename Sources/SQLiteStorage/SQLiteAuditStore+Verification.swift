import CallGateStorage

extension SQLiteAuditStore {
    /// Walks the whole chain in one read transaction, so a concurrent prune or append cannot
    /// change what the walk sees. Besides the chain, it checks what SQLite keeps beside each record:
    /// `max_time_ms`, and the search index of every indexed block, so that no filtered query can
    /// be made to miss a record unnoticed.
    func walk(_ context: ReadContext, expectedLastSequence: Int64, witnessed: [WitnessHead]) throws -> AuditVerification {
        let connection = context.connection
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        let checkpoint = try Self.loadCheckpoint(connection)
        let indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
        var verifier = ChainVerifier(keys: keys, checkpoint: checkpoint, witnessed: witnessed)
        var maxTime = checkpoint?.maxTimeMillis ?? .min
        var block: Int64?
        var blockRows = SQLiteSearchIndex.Rows()
        var blockFirst: Int64 = 0
        var blockLast: Int64 = 0

        // Checks that the stored index rows of `block` include every row its records give: a
        // missing row would hide records from filtered queries (an extra one only adds a candidate).
        func checkSearchIndex(of block: Int64) throws -> Bool {
            let expected = blockRows.rows(of: block)
            blockRows.remove(through: block)
            guard (block + 1) * SQLiteSearchIndex.blockSize <= indexedThrough else { return true }
            var stored = Set<SQLiteSearchIndex.Entry>()
            let blockTerms = try connection.cached("SELECT term FROM audit_search WHERE block = ?1 AND sequence = 0")
            defer { blockTerms.reset() }
            try blockTerms.bind(1, block)
            while try blockTerms.step() {
                stored.insert(SQLiteSearchIndex.Entry(term: blockTerms.int64(0), sequence: SQLiteSearchIndex.wholeBlock))
            }
            let postings = try connection.cached("SELECT entries FROM audit_search_postings WHERE block = ?1")
            defer { postings.reset() }
            try postings.bind(1, block)
            while try postings.step() {
                stored.formUnion(SQLiteSearchIndex.entries(postings.blob(0), block: block))
            }
            let missing = expected.filter { !stored.contains($0) }
            guard !missing.isEmpty else { return true }
            let sequence = missing.map { $0.sequence == SQLiteSearchIndex.wholeBlock ? blockFirst : $0.sequence }.min() ?? blockFirst
            return verifier.fail(
                sequence,
                "the search index of records \(blockFirst) to \(blockLast) was altered: filtered queries would miss some of them"
            )
        }

        let rows = try connection.cached("SELECT \(SQLiteRecordCodec.columns) FROM audit_records r ORDER BY r.sequence")
        defer { rows.reset() }
        var intact = verifier.firstBad == nil
        while intact, try rows.step() {
            let row: (record: AuditRecord, maxTimeMillis: Int64)
            do {
                row = try SQLiteRecordCodec.decode(rows)
            } catch {
                verifier.reject(error.sequence, "record \(error.sequence) is unreadable: \(error.detail)")
                break
            }
            let record = row.record
            guard verifier.check(record) else { break }
            maxTime = max(maxTime, record.timeMillis)
            guard row.maxTimeMillis == maxTime else {
                verifier.fail(
                    record.sequence,
                    "record \(record.sequence)'s time index was altered: its max_time_ms is \(row.maxTimeMillis), but the records up to it give \(maxTime)"
                )
                break
            }
            let recordBlock = SQLiteSearchIndex.block(of: record.sequence)
            if recordBlock != block {
                if let block { intact = try checkSearchIndex(of: block) }
                block = recordBlock
                blockFirst = record.sequence
            }
            blockLast = record.sequence
            blockRows.add(record)
        }
        if intact, verifier.firstBad == nil, let block {
            _ = try checkSearchIndex(of: block)
        }
        return verifier.finish(expectedLastSequence: expectedLastSequence)
    }
}
