import CallGateCore
import CallGateStorage

/// `GET /v1/audit` and `GET /v1/audit/verify` (Sysadmin and Superuser; every query is audited too).
extension Gateway {
    /// The export formats `Accept` selects; JSON pages otherwise.
    enum AuditExport {
        case ndjson
        case csv

        init?(accept: String?) {
            guard let accept = accept?.lowercased() else { return nil }
            if accept.contains("application/x-ndjson") { self = .ndjson } else if accept.contains("text/csv") { self = .csv } else { return nil }
        }
    }

    /// Records per store read while exporting: the memory an export holds at once.
    static let exportBatch = 1000

    func auditQuery(_ request: GatewayRequest) async -> Result<GatewayResponse, Problem> {
        guard let audit else { return .failure(Self.noAuditTrail) }
        let query: AuditQuery
        switch AuditFilters.pairs(fromQuery: request.query).flatMap({
            AuditFilters.query($0, keys: audit.keys, allowedRegions: configuration.validator.allowedRegions)
        }) {
        case .success(let parsed): query = parsed
        case .failure(let problem): return .failure(problem)
        }
        if let export = AuditExport(accept: request.header("accept")) {
            // Every matching record, newest first, in batches: memory stays flat whatever the size.
            let store = audit.store
            let contentType = export == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
            return .success(GatewayResponse(status: 200, headers: [("Content-Type", contentType)], stream: { writer in
                if export == .csv { try await writer.write(AuditRecordFormat.csvHeader) }
                try await store.export(query, batchSize: Self.exportBatch) { records in
                    var out: [UInt8] = []
                    out.reserveCapacity(records.count * 600)
                    for record in records {
                        if export == .csv {
                            AuditRecordFormat.appendCSV(record, to: &out)
                        } else {
                            AuditRecordFormat.appendJSON(record, to: &out)
                            out.append(0x0A)
                        }
                    }
                    try await writer.write(out)
                }
            }))
        }
        let page: AuditPage
        do {
            page = try await audit.store.query(query)
        } catch {
            return .failure(Self.storeProblem(error))
        }
        return .success(Self.page("records", page.records, nextCursor: page.nextCursor, AuditRecordFormat.appendJSON))
    }

    /// A JSON page, `{"<name>":[...],"nextCursor":"..."|null}`: audit records and deliveries alike.
    static func page<Item>(_ name: StaticString, _ items: [Item], nextCursor: Int64?,
                           _ append: (Item, inout [UInt8]) -> Void) -> GatewayResponse {
        var out: [UInt8] = []
        out.reserveCapacity(64 + items.count * 600)
        JSONBytes.appendRaw("{\"", to: &out)
        JSONBytes.appendRaw(name, to: &out)
        JSONBytes.appendRaw("\":[", to: &out)
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(item, &out)
        }
        JSONBytes.appendRaw("],\"nextCursor\":", to: &out)
        if let nextCursor { JSONBytes.appendString(String(nextCursor), to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        out.append(UInt8(ascii: "}"))
        return json(200, out)
    }

    func auditVerify() async -> Result<GatewayResponse, Problem> {
        guard let audit else { return .failure(Self.noAuditTrail) }
        let verification: AuditVerification
        do {
            verification = try await audit.store.verify()
        } catch {
            return .failure(Self.storeProblem(error))
        }
        return .success(Self.json(200, Self.verificationJSON(verification)))
    }

    /// `{"intact":..,"checked":..,"checkpointSequence":..,"firstBad":{"sequence":..,"problem":..}}`.
    public static func verificationJSON(_ verification: AuditVerification) -> [UInt8] {
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"intact\":", to: &out)
        JSONBytes.appendBool(verification.isIntact, to: &out)
        JSONBytes.appendRaw(",\"checked\":", to: &out)
        JSONBytes.appendInteger(verification.checked, to: &out)
        JSONBytes.appendRaw(",\"checkpointSequence\":", to: &out)
        if let checkpoint = verification.checkpointSequence { JSONBytes.appendInteger(checkpoint, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        JSONBytes.appendRaw(",\"firstBad\":", to: &out)
        if let bad = verification.firstBad {
            JSONBytes.appendRaw("{\"sequence\":", to: &out)
            JSONBytes.appendInteger(bad.sequence, to: &out)
            JSONBytes.appendRaw(",\"problem\":", to: &out)
            JSONBytes.appendString(bad.problem, to: &out)
            out.append(UInt8(ascii: "}"))
        } else {
            JSONBytes.appendRaw("null", to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    static var noAuditTrail: Problem {
        Problem(404, .notFound, "This gateway runs without an audit trail.")
    }

    static func storeProblem(_ error: AuditStoreError) -> Problem {
        if error.code == .invalidQuery { return Problem(400, .invalidQuery, error.detail) }
        var problem = Problem(503, .auditUnavailable, "The audit store could not be read: \(error.detail)")
        problem.retryAfterSeconds = 5
        return problem
    }
}
