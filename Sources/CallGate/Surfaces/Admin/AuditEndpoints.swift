import CallGateAuditFilters
import CallGateCore
import CallGateStorage

/// `GET /v1/audit` and `GET /v1/audit/verify` (Sysadmin and Superuser; every query is audited too).
///
/// A principal limited to services reads only their records (the store's query carries the scope,
/// so pages and cursors stay right and `?phone=` finds nothing outside it); records without a
/// service, and the whole chain's verification, are for principals allowed every service.
struct AuditEndpoints: Sendable {
    let audit: AuditTrail
    /// The regions `?phone=` is read in.
    let allowedRegions: PhoneRegionSet

    /// Records per store read while exporting: the memory an export holds at once.
    static let exportBatch = 1000

    /// The export formats `Accept` selects; JSON pages otherwise.
    enum Export {
        case ndjson
        case csv

        init?(accept: String?) {
            guard let accept = accept?.lowercased() else { return nil }
            if accept.contains("application/x-ndjson") { self = .ndjson } else if accept.contains("text/csv") { self = .csv } else { return nil }
        }
    }

    func query(_ request: GatewayRequest, by principal: Principal) async throws(Problem) -> GatewayResponse {
        var query: AuditQuery
        switch AuditFilters.pairs(fromQuery: request.query).flatMap({
            AuditFilters.query($0, keys: audit.keys, allowedRegions: allowedRegions)
        }) {
        case .success(let parsed): query = parsed
        case .failure(let refusal): throw Problem(refusal)
        }
        if let serviceId = query.serviceId { try Authorization.authorize(principal, serviceId: serviceId) }
        query.services = principal.services
        if let export = Export(accept: request.header("accept")) {
            return Self.stream(query, as: export, from: audit.store)
        }
        let page: AuditPage
        do {
            page = try await audit.store.query(query)
        } catch {
            throw Self.storeProblem(error)
        }
        return JSONPage.response("records", page.records, nextCursor: page.nextCursor, AuditRecordFormat.appendJSON)
    }

    /// Every matching record, newest first, in batches: memory stays flat whatever the size.
    private static func stream(_ query: AuditQuery, as export: Export, from store: any AuditStore) -> GatewayResponse {
        let contentType = export == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
        return GatewayResponse(status: 200, headers: [("Content-Type", contentType)], stream: { writer in
            if export == .csv { try await writer.write(AuditRecordFormat.csvHeader) }
            try await store.export(query, batchSize: exportBatch) { records in
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
        })
    }

    func verify(by principal: Principal) async throws(Problem) -> GatewayResponse {
        try Authorization.requireEveryService(principal, toDo: "Verifying the audit chain")
        let verification: AuditVerification
        do {
            verification = try await audit.store.verify()
        } catch {
            throw Self.storeProblem(error)
        }
        var out: [UInt8] = []
        AuditRecordFormat.appendJSON(verification, to: &out)
        return .json(200, out)
    }

    static var noAuditTrail: Problem {
        Problem(404, .notFound, "This gateway runs without an audit trail.")
    }

    /// A store's refusal of a query (400), or its failure (503).
    static func storeProblem(_ error: AuditStoreError) -> Problem {
        if error.code == .invalidQuery { return Problem(400, .invalidQuery, error.detail) }
        var problem = Problem(503, .auditUnavailable, "The audit store could not be read: \(error.detail)")
        problem.retryAfterSeconds = 5
        return problem
    }
}
