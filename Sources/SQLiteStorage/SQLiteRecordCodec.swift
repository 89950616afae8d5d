import CallGateStorage

/// How a record maps onto `audit_records`. The phones are one column (a JSON array of strings:
/// masked number, fingerprint, and so on): one row per record, not one more per number, is what
/// keeps an append to a few pages.
enum SQLiteRecordCodec {
    /// The record columns, in the order `decode` reads them.
    private static let names = [
        "sequence", "request_id", "time_ms", "principal", "role", "auth_method", "client_address", "operation",
        "method", "path", "service_id", "entry_count", "outcome", "reason", "validation_codes", "upstream_status",
        "upstream_attempts", "upstream_latency_us", "total_latency_us", "response_status", "previous_hash", "hash",
        "max_time_ms", "phones", "format_version", "peer_address", "calling_window",
    ]

    /// The columns `decode` reads, for a query that names `audit_records` `r`.
    static let columns = names.map { "r." + $0 }.joined(separator: ", ")

    static let insertRecord = """
        INSERT INTO audit_records (\(names.joined(separator: ", "))) \
        VALUES (\((1...names.count).map { "?\($0)" }.joined(separator: ", ")))
        """

    /// Inserts a prepared record with the sequence and hashes the store assigned it, its phones and
    /// validation codes in the stored forms the preparation made.
    static func insert(_ prepared: PreparedAuditRecord, sequence: Int64, previousHash: String, hash: String,
                       maxTimeMillis: Int64, recordStatement: SQLiteStatement) throws(SQLiteError) {
        defer { recordStatement.reset() }
        let record = prepared.record
        try recordStatement.bind(1, sequence)
        try recordStatement.bind(2, record.requestId)
        try recordStatement.bind(3, record.timeMillis)
        try recordStatement.bind(4, record.principal)
        try recordStatement.bind(5, record.role)
        try recordStatement.bind(6, record.authMethod)
        try recordStatement.bind(7, record.clientAddress)
        try recordStatement.bind(8, record.operation)
        try recordStatement.bind(9, record.method)
        try recordStatement.bind(10, record.path)
        try recordStatement.bind(11, record.serviceId)
        try recordStatement.bind(12, record.entryCount.map(Int64.init))
        try recordStatement.bind(13, record.outcome.rawValue)
        try recordStatement.bind(14, record.reason)
        try recordStatement.bind(15, prepared.validationCodesJSON)
        try recordStatement.bind(16, record.upstreamStatus.map(Int64.init))
        try recordStatement.bind(17, Int64(record.upstreamAttempts))
        try recordStatement.bind(18, record.upstreamLatencyMicros)
        try recordStatement.bind(19, record.totalLatencyMicros)
        try recordStatement.bind(20, Int64(record.responseStatus))
        try recordStatement.bind(21, previousHash)
        try recordStatement.bind(22, hash)
        try recordStatement.bind(23, maxTimeMillis)
        try recordStatement.bind(24, prepared.phonesJSON)
        try recordStatement.bind(25, Int64(record.formatVersion))
        try recordStatement.bind(26, record.peerAddress)
        try recordStatement.bind(27, prepared.callingWindowJSON)
        try recordStatement.run()
    }

    /// The quoted fingerprint as it appears in a `phones` column: `instr` finds it exactly, since a
    /// fingerprint is 64 hex digits and a masked number never is.
    static func phonesTerm(fingerprint: String) -> String {
        "\"" + fingerprint + "\""
    }

    /// The record in the current row of a statement selecting `columns`, without its phones, and
    /// the row's `max_time_ms`.
    static func decode(_ row: SQLiteStatement) throws(UnreadableRecord) -> (record: AuditRecord, maxTimeMillis: Int64) {
        let sequence = row.int64(0)
        let outcomeText = row.text(12)
        // `incomplete` is how an intent reads, never what a record holds.
        guard let outcome = AuditOutcome(rawValue: outcomeText), outcome != .incomplete else {
            throw UnreadableRecord(
                sequence: sequence, detail: "its outcome '\(outcomeText)' is none of allowed, denied, error, intent"
            )
        }
        guard let validationCodes = CanonicalJSON.decodeStringArray(row.text(14)) else {
            throw UnreadableRecord(sequence: sequence, detail: "its validation_codes column is not a JSON array of strings")
        }
        guard let phones = PreparedAuditRecord.decodePhones(row.text(23)) else {
            throw UnreadableRecord(sequence: sequence, detail: "its phones column is not a JSON array of masked number and fingerprint pairs")
        }
        var callingWindow: AuditCallingWindow?
        if let stored = row.optionalText(26) {
            guard let decoded = AuditCallingWindow(storedForm: stored) else {
                throw UnreadableRecord(sequence: sequence, detail: "its calling_window column is not a JSON array of profile, digest, next allowed instant and rule ids")
            }
            callingWindow = decoded
        }
        let formatVersion = row.int64(24)
        guard AuditRecord.knownFormatVersions.contains(Int(truncatingIfNeeded: formatVersion)) else {
            throw UnreadableRecord(
                sequence: sequence,
                detail: "its format version \(formatVersion) is not one this build knows (\(AuditRecord.knownFormatVersions.lowerBound) to \(AuditRecord.currentFormatVersion)); a newer build verifies it"
            )
        }
        let record = AuditRecord(
            sequence: sequence,
            requestId: row.text(1),
            timeMillis: row.int64(2),
            principal: row.optionalText(3),
            role: row.optionalText(4),
            authMethod: row.optionalText(5),
            clientAddress: row.optionalText(6),
            peerAddress: row.optionalText(25),
            operation: row.text(7),
            method: row.text(8),
            path: row.text(9),
            serviceId: row.optionalInt64(10),
            phones: phones,
            entryCount: row.optionalInt64(11).map { Int(truncatingIfNeeded: $0) },
            outcome: outcome,
            reason: row.optionalText(13),
            validationCodes: validationCodes,
            upstreamStatus: row.optionalInt64(15).map { Int(truncatingIfNeeded: $0) },
            upstreamAttempts: Int(truncatingIfNeeded: row.int64(16)),
            upstreamLatencyMicros: row.optionalInt64(17),
            totalLatencyMicros: row.int64(18),
            responseStatus: Int(truncatingIfNeeded: row.int64(19)),
            previousHash: row.text(20),
            hash: row.text(21),
            formatVersion: Int(formatVersion),
            callingWindow: callingWindow
        )
        return (record, row.int64(22))
    }

}
