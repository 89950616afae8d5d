import CallGateStorage
import PostgresNIO

/// Pages of records: one statement each, newest first, the filters as conditions.
extension PostgresAuditStore {
    public func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage {
        try query.validate()
        let statement = Self.pageStatement(query)
        let limit = query.limit
        let records = try await perform("run the query") { [self] client in
            var records: [AuditRecord] = []
            records.reserveCapacity(min(limit + 1, 64))
            for try await row in try await client.query(statement, logger: logger) {
                var record: AuditRecord
                do throws(UnreadableRecord) {
                    record = try PostgresRecordCodec.decode(row)
                } catch {
                    throw PostgresRecordCodec.storeError(error, "run the query")
                }
                if record.outcome == .intent, try row.makeRandomAccess()[PostgresRecordCodec.columnCount].decode(Bool.self) {
                    record.outcome = .incomplete
                }
                records.append(record)
            }
            return records
        }
        guard records.count > limit else { return AuditPage(records: records, nextCursor: nil) }
        let page = Array(records.prefix(limit))
        return AuditPage(records: page, nextCursor: page.last?.sequence)
    }

    /// A later record of the request of the intent `r`: its outcome (the request id index finds it).
    private static let laterRecord = "SELECT 1 FROM audit_records o WHERE o.request_id = r.request_id AND o.sequence > r.sequence"

    /// The statement of one page: the page's records and one more (which shows another page
    /// follows), each with whether it is an intent no later record follows.
    static func pageStatement(_ query: AuditQuery) -> PostgresQuery {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func filter<Value: PostgresDynamicTypeEncodable>(_ column: String, _ comparison: String, _ value: Value) {
            bindings.append(value)
            conditions.append("r.\(column) \(comparison) $\(bindings.count)")
        }
        if let before = query.beforeSequence { filter("sequence", "<", before) }
        if let since = query.sinceMillis { filter("time_ms", ">=", since) }
        if let until = query.untilMillis { filter("time_ms", "<", until) }
        if let principal = query.principal { filter("principal", "=", principal) }
        if let role = query.role { filter("role", "=", role) }
        if let operation = query.operation { filter("operation", "=", operation) }
        if let serviceId = query.serviceId { filter("service_id", "=", serviceId) }
        if let services = query.services {
            bindings.append(Array(services))
            conditions.append("r.service_id = ANY($\(bindings.count))")
        }
        if let outcome = query.outcome {
            filter("outcome", "=", outcome == .incomplete ? AuditOutcome.intent.rawValue : outcome.rawValue)
            if outcome == .incomplete { conditions.append("NOT EXISTS (\(laterRecord))") }
        }
        if let status = query.status { filter("response_status", "=", Int64(status)) }
        if let requestId = query.requestId { filter("request_id", "=", requestId) }
        if let fingerprint = query.phoneFingerprint {
            // A fingerprint is 64 hex digits and a masked number never is, so the quoted form is exact.
            bindings.append("\"" + fingerprint + "\"")
            conditions.append("strpos(r.phones, $\(bindings.count)) > 0")
        }
        bindings.append(Int64(query.limit + 1))
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(PostgresRecordCodec.columns), (r.outcome = 'intent' AND NOT EXISTS (\(laterRecord))) " +
            "FROM audit_records r\(whereClause) ORDER BY r.sequence DESC LIMIT $\(bindings.count)"
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
