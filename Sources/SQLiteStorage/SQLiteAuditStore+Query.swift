import CallGateStorage

/// Pages of records: the time window by binary search on `max_time_ms`, the filters through the
/// search index (`SQLiteSearchIndex`), exact conditions on every candidate.
extension SQLiteAuditStore {
    /// One page, read in one transaction. Without a filter the search index covers, sequences are
    /// scanned newest first. With one, the records the index does not cover yet are scanned, then
    /// the blocks newest first: probed for the request id or phone, or scanned when they hold every
    /// per-block term and, for a query limited to services, one of theirs. The exact conditions
    /// are applied to every candidate.
    func page(_ query: AuditQuery, context: ReadContext) throws -> AuditPage {
        let connection = context.connection
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        // Sequences in lowest...highest, both inclusive, may match.
        var lowest: Int64 = 1
        let highest = query.beforeSequence.map { max(0, $0) - 1 } ?? .max
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        func filter(_ condition: String, _ value: SQLiteValue) {
            conditions.append(" AND " + condition)
            values.append(value)
        }
        if let sinceMillis = query.sinceMillis {
            guard let first = try firstSequence(reaching: sinceMillis, connection) else {
                return AuditPage(records: [], nextCursor: nil)
            }
            lowest = first
            filter("r.time_ms >= ?", .integer(sinceMillis))
        }
        if let untilMillis = query.untilMillis { filter("r.time_ms < ?", .integer(untilMillis)) }
        if let principal = query.principal { filter("r.principal = ?", .text(principal)) }
        if let role = query.role { filter("r.role = ?", .text(role)) }
        if let operation = query.operation { filter("r.operation = ?", .text(operation)) }
        if let serviceId = query.serviceId { filter("r.service_id = ?", .integer(serviceId)) }
        if let services = query.services { conditions.append(" AND " + SQLiteServiceScope.condition("r.service_id", services)) }
        if let outcome = query.outcome {
            filter("r.outcome = ?", .text(Self.storedOutcome(outcome)))
            if outcome == .incomplete { conditions.append(" AND NOT EXISTS (\(Self.laterRecord))") }
        }
        if let status = query.status { filter("r.response_status = ?", .integer(Int64(status))) }
        if let requestId = query.requestId { filter("r.request_id = ?", .text(requestId)) }
        if let fingerprint = query.phoneFingerprint {
            filter("instr(r.phones, ?) > 0", .text(SQLiteRecordCodec.phonesTerm(fingerprint: fingerprint)))
        }
        let exact = conditions.joined()

        var records: [AuditRecord] = []
        records.reserveCapacity(min(query.limit, 64))
        // Adds the rows of `sql` (whose last parameter is the LIMIT); true once the page is full
        // and one more row proved that another page follows.
        func collect(_ sql: String, _ bounds: [SQLiteValue]) throws -> Bool {
            let statement = try connection.cached(sql)
            defer { statement.reset() }
            let parameters = bounds + values + [.integer(Int64(query.limit - records.count + 1))]
            for (index, value) in parameters.enumerated() {
                try statement.bind(Int32(index + 1), value)
            }
            while try statement.step() {
                if records.count == query.limit { return true }
                var record = try SQLiteRecordCodec.decode(statement).record
                if record.outcome == .intent, try !hasLaterRecord(record, connection) { record.outcome = .incomplete }
                records.append(record)
            }
            return false
        }

        let scan = "SELECT \(SQLiteRecordCodec.columns) FROM audit_records r " +
            "WHERE r.sequence BETWEEN ? AND ?\(exact) ORDER BY r.sequence DESC LIMIT ?"
        var more = false
        let recordTerm = SQLiteSearchIndex.recordTerm(of: query)
        let blockTerms = SQLiteSearchIndex.blockTerms(of: query)
        let serviceTerms = SQLiteSearchIndex.serviceTerms(of: query)
        if recordTerm == nil, blockTerms.isEmpty, serviceTerms == nil {
            if highest >= lowest {
                more = try collect(scan, [.integer(lowest), .integer(highest)])
            }
        } else {
            let indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
            if highest > indexedThrough {
                more = try collect(scan, [.integer(max(lowest, indexedThrough + 1)), .integer(highest)])
            }
            let top = min(highest, indexedThrough)
            var block = SQLiteSearchIndex.block(of: top)
            while !more, top >= lowest, block >= SQLiteSearchIndex.block(of: lowest) {
                if let recordTerm {
                    let candidates = try postings(of: recordTerm, in: block, connection)
                        .filter { $0 >= lowest && $0 <= top }
                        .sorted(by: >)
                    for sequence in candidates where !more {
                        more = try collect(scan, [.integer(sequence), .integer(sequence)])
                    }
                } else if try blockTerms.allSatisfy({ try blockHolds(block, $0, connection) }),
                          try serviceTerms?.contains(where: { try blockHolds(block, $0, connection) }) ?? true {
                    let first = max(lowest, block * SQLiteSearchIndex.blockSize + 1)
                    let last = min(top, (block + 1) * SQLiteSearchIndex.blockSize)
                    more = try collect(scan, [.integer(first), .integer(last)])
                }
                block -= 1
            }
        }
        return AuditPage(records: records, nextCursor: more ? records.last?.sequence : nil)
    }

    /// The outcome stored in the records `outcome` selects: an incomplete request is an intent
    /// record that no later record of its request id follows.
    static func storedOutcome(_ outcome: AuditOutcome) -> String {
        outcome == .incomplete ? AuditOutcome.intent.rawValue : outcome.rawValue
    }

    /// A later record of the request of the intent `r`: its outcome. The scan goes forward from
    /// the intent by sequence and stops at the first one, which follows within the request's
    /// time at LiveVox; only an incomplete intent is scanned to the end of the trail.
    private static let laterRecord = "SELECT 1 FROM audit_records o WHERE o.sequence > r.sequence AND o.request_id = r.request_id"

    /// Whether a record of `intent`'s request follows it, so that it does not read as incomplete.
    private func hasLaterRecord(_ intent: AuditRecord, _ connection: SQLiteConnection) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM audit_records r WHERE r.sequence = ?1 AND EXISTS (\(Self.laterRecord))")
        defer { statement.reset() }
        try statement.bind(1, intent.sequence)
        return try statement.step()
    }

    /// The sequences of `block` whose per-record terms include `term` (a sequence at most once).
    private func postings(of term: Int64, in block: Int64, _ connection: SQLiteConnection) throws -> Set<Int64> {
        let statement = try connection.cached(SQLiteSearchIndex.postings)
        defer { statement.reset() }
        try statement.bind(1, block)
        try statement.bind(2, SQLiteSearchIndex.bucket(of: term))
        guard try statement.step() else { return [] }
        return Set(SQLiteSearchIndex.entries(statement.blob(0), block: block).lazy.filter { $0.term == term }.map(\.sequence))
    }

    /// Whether some record of `block` has the per-block `term`.
    private func blockHolds(_ block: Int64, _ term: Int64, _ connection: SQLiteConnection) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM audit_search WHERE block = ?1 AND term = ?2 AND sequence = ?3")
        defer { statement.reset() }
        try statement.bind(1, block)
        try statement.bind(2, term)
        try statement.bind(3, SQLiteSearchIndex.wholeBlock)
        return try statement.step()
    }

    /// The smallest sequence a record at or after `millis` can have: the first record whose
    /// `max_time_ms` reaches it (nil when none does, so no record can match). `max_time_ms` never
    /// decreases along the sequence, so a binary search on the rowid finds it; gaps in the
    /// sequence (which verify reports) do not stop it.
    private func firstSequence(reaching millis: Int64, _ connection: SQLiteConnection) throws -> Int64? {
        let last = try connection.cached("SELECT max(sequence) FROM audit_records")
        defer { last.reset() }
        guard try last.step(), var high = last.optionalInt64(0) else { return nil }
        let probe = try connection.cached(
            "SELECT sequence, max_time_ms FROM audit_records WHERE sequence >= ?1 ORDER BY sequence LIMIT 1"
        )
        var low: Int64 = 0
        var found: Int64?
        // The first match is in low...high, or is `found`.
        while low <= high {
            let middle = low + (high - low) / 2
            try probe.bind(1, middle)
            let row = try probe.step() ? (sequence: probe.int64(0), maxTime: probe.int64(1)) : nil
            probe.reset()
            guard let row, row.sequence <= high else {
                high = middle - 1
                continue
            }
            if row.maxTime >= millis {
                found = row.sequence
                high = middle - 1
            } else {
                low = row.sequence + 1
            }
        }
        return found
    }
}
