import CallGateCore
import CallGateStorage
import Testing

@testable import CallGate

/// The admin endpoints for each role, with a key allowed every service or limited to 21429, over a
/// trail seeded with records of services 21429 and 112231 and one without a service, and one
/// delivery per service.
@Suite("Admin endpoints respect a key's services", .serialized)
struct AdminScopeTests {
    /// What a key sees.
    enum Seen: Sendable {
        /// Everything: a Sysadmin or Superuser allowed every service.
        case every
        /// Service 21429 only: a Sysadmin or Superuser limited to it.
        case service21429
        /// Nothing: a Manager or Agent, refused by role (403 `forbidden_role`) whatever its services.
        case refusedByRole
    }

    /// One row of the matrix: a key of the harness and what it sees.
    struct Case: Sendable, CustomTestStringConvertible {
        let key: String
        let seen: Seen
        var testDescription: String { key }
    }

    static let matrix: [Case] = [
        Case(key: "sysadmin", seen: .every),
        Case(key: "scoped-sysadmin", seen: .service21429),
        Case(key: "superuser", seen: .every),
        Case(key: "scoped-superuser", seen: .service21429),
        Case(key: "manager", seen: .refusedByRole),
        Case(key: "scoped", seen: .refusedByRole),
        Case(key: "agent", seen: .refusedByRole),
        Case(key: "scoped-agent", seen: .refusedByRole),
    ]

    /// The delivery of service 21429 (with `seed-1`) and of 112231 (with `seed-2`).
    static let delivery21429 = "dlv_" + String(repeating: "a", count: 26)
    static let delivery112231 = "dlv_" + String(repeating: "b", count: 26)
    /// The number only `seed-2` (service 112231) carries: a lookup by it must not cross the scope.
    static let otherServicePhone = "4155550123"

    /// Seeds, oldest first: `seed-1` (21429, with its delivery), `seed-2` (112231, with its
    /// delivery and the phone), `seed-3` (no service: an unauthenticated request), `seed-4`
    /// (21429), `seed-5` (112231). Both deliveries end `unknown`, so they can be retried.
    static func seed(_ trail: AuditTrail) async throws {
        func record(_ index: Int, serviceId: Int64?, phones: [String] = []) -> AuditRecord {
            AuditRecord(
                requestId: "seed-\(index)", timeMillis: 1_780_000_000_000 + Int64(index) * 1000,
                principal: serviceId == nil ? nil : "crm", role: serviceId == nil ? nil : "Manager",
                authMethod: serviceId == nil ? nil : "api_key", operation: serviceId == nil ? "unknown" : "launch_manual_calls",
                method: "POST", path: serviceId.map { "/v1/services/\($0)/manual-calls" } ?? "/v1/nowhere",
                serviceId: serviceId, phones: phones.map(trail.keys.phone), outcome: serviceId == nil ? .denied : .allowed,
                reason: serviceId == nil ? "unauthenticated" : nil, totalLatencyMicros: 100,
                responseStatus: serviceId == nil ? 401 : 202
            )
        }
        func delivery(_ id: String, serviceId: Int64) -> NewDelivery {
            NewDelivery(id: id, source: "crm", webhookId: "wh-\(serviceId)", operation: "schedule_callback",
                        serviceId: serviceId, payload: Array("{}".utf8), createdMillis: 1_780_000_000_000)
        }
        _ = try await trail.writer.record(record(1, serviceId: 21429), delivery: delivery(delivery21429, serviceId: 21429))
        _ = try await trail.writer.record(record(2, serviceId: 112231, phones: [otherServicePhone]),
                                          delivery: delivery(delivery112231, serviceId: 112231))
        _ = try await trail.writer.record(record(3, serviceId: nil))
        _ = try await trail.writer.record(record(4, serviceId: 21429))
        _ = try await trail.writer.record(record(5, serviceId: 112231))
        #expect(try await trail.outbox.claimDueDeliveries(nowMillis: 1_790_000_000_000, limit: 10).count == 2)
        #expect(try await trail.outbox.recoverInterruptedDeliveries(leaseMillis: 90_000, nowMillis: 1_790_000_000_000) == 2)
    }

    /// A gateway whose trail holds the seeds.
    static func seededGateway() async throws -> AuditedGateway {
        let audited = try await AuditedGateway.make()
        do {
            try await seed(audited.trail)
        } catch {
            await audited.shutdown()
            throw error
        }
        return audited
    }

    /// The request ids of a page's records, or of an NDJSON export's lines, or of a CSV export's rows.
    static func requestIds(_ answer: GatewayHarness.Answer) -> [String] {
        if case .array(let records)? = answer.json?["records"] {
            return records.compactMap { if case .string(let id)? = $0["requestId"] { id } else { nil } }
        }
        if answer.headers["content-type"]?.hasPrefix("text/csv") == true {
            // sequence,time,requestId,...: the header row, then one row per record.
            return answer.text.split(separator: "\r\n").dropFirst().map { String($0.split(separator: ",")[2]) }
        }
        return answer.text.split(separator: "\n").compactMap { line in
            if case .string(let id)? = (try? JSONParser.parse(String(line)))?["requestId"] { id } else { nil }
        }
    }

    /// The ids of a deliveries page.
    static func deliveryIds(_ answer: GatewayHarness.Answer) -> [String] {
        guard case .array(let items)? = answer.json?["deliveries"] else { return [] }
        return items.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }
    }

    @Test("GET /v1/audit pages, cursors and exports, ?phone= and ?serviceId=, and /v1/audit/verify, for each role and scope",
          arguments: matrix)
    func audit(row: Case) async throws {
        let audited = try await Self.seededGateway()
        defer { Task { await audited.shutdown() } }
        // Every admin request is audited too, without a service: `asked` holds their request ids,
        // newest first; only a key allowed every service sees those records, above the seeds.
        var asked: [String] = []
        func send(_ target: String, accept: String? = nil) async -> GatewayHarness.Answer {
            let answer = await audited.gateway.send("GET", target, key: row.key, headers: accept.map { ["Accept": $0] } ?? [:])
            asked.insert(answer.headers["x-request-id"] ?? "?", at: 0)
            return answer
        }
        let seeds = ["seed-5", "seed-4", "seed-3", "seed-2", "seed-1"]

        let page = await send("/v1/audit")
        // Pages of one, following the cursors: what exists when the first page is read.
        var paged: [String] = []
        var cursors: [Bool] = []
        var pageStatuses: [Int] = []
        let existing = asked + seeds
        var cursor: String?
        repeat {
            let next = await send("/v1/audit?limit=1" + (cursor.map { "&cursor=" + $0 } ?? ""))
            pageStatuses.append(next.status)
            paged += Self.requestIds(next)
            if case .string(let value)? = next.json?["nextCursor"] { cursor = value } else { cursor = nil }
            cursors.append(cursor != nil)
        } while cursor != nil
        // An export's own record is committed before its body streams: it is the newest.
        let ndjson = await send("/v1/audit", accept: "application/x-ndjson")
        let ndjsonExpected = asked + seeds
        let csv = await send("/v1/audit", accept: "text/csv")
        let csvExpected = asked + seeds
        let byPhone = await send("/v1/audit?phone=" + Self.otherServicePhone)
        let ownService = await send("/v1/audit?serviceId=21429")
        let otherService = await send("/v1/audit?serviceId=112231")
        let verify = await send("/v1/audit/verify")

        switch row.seen {
        case .refusedByRole:
            for answer in [page, ndjson, csv, byPhone, ownService, otherService, verify] {
                #expect(answer.status == 403 && answer.code == "forbidden_role")
            }
            #expect(pageStatuses == [403])
        case .every:
            #expect(page.status == 200 && Self.requestIds(page) == seeds)
            #expect(pageStatuses == Array(repeating: 200, count: 6))
            #expect(paged == existing && cursors == [true, true, true, true, true, false])
            #expect(ndjson.status == 200 && Self.requestIds(ndjson) == ndjsonExpected)
            #expect(csv.status == 200 && Self.requestIds(csv) == csvExpected)
            #expect(Self.requestIds(byPhone) == ["seed-2"])
            #expect(Self.requestIds(ownService) == ["seed-4", "seed-1"])
            #expect(Self.requestIds(otherService) == ["seed-5", "seed-2"])
            #expect(verify.status == 200 && verify.json?["intact"] == .bool(true))
        case .service21429:
            #expect(page.status == 200 && Self.requestIds(page) == ["seed-4", "seed-1"])
            #expect(page.json?["nextCursor"] == .null)
            #expect(pageStatuses == [200, 200])
            #expect(paged == ["seed-4", "seed-1"] && cursors == [true, false], "full pages, and no cursor past the last")
            #expect(ndjson.status == 200 && Self.requestIds(ndjson) == ["seed-4", "seed-1"])
            #expect(csv.status == 200 && Self.requestIds(csv) == ["seed-4", "seed-1"])
            #expect(byPhone.status == 200 && Self.requestIds(byPhone) == [], "a number of another service is not found")
            #expect(Self.requestIds(ownService) == ["seed-4", "seed-1"])
            #expect(otherService.status == 403 && otherService.code == "forbidden_service")
            #expect(verify.status == 403 && verify.code == "forbidden_service")
            #expect(verify.json?["detail"] == .string(
                "Verifying the audit chain reads the records of every service, so it needs a key allowed every service; "
                    + "the key '\(row.key)' is limited to services 21429."))
        }
    }

    @Test("GET /v1/deliveries, GET /v1/deliveries/{id} and POST /v1/deliveries/{id}/retry, for each role and scope",
          arguments: matrix)
    func deliveries(row: Case) async throws {
        let audited = try await Self.seededGateway()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        let list = await gateway.send("GET", "/v1/deliveries", key: row.key)
        let unknownPage = await gateway.send("GET", "/v1/deliveries?status=unknown&limit=1", key: row.key)
        let showOwn = await gateway.send("GET", "/v1/deliveries/\(Self.delivery21429)", key: row.key)
        let showOther = await gateway.send("GET", "/v1/deliveries/\(Self.delivery112231)", key: row.key)
        let retryOther = await gateway.send("POST", "/v1/deliveries/\(Self.delivery112231)/retry", key: row.key)
        let retryOwn = await gateway.send("POST", "/v1/deliveries/\(Self.delivery21429)/retry", key: row.key)
        let other = try await audited.trail.outbox.delivery(id: Self.delivery112231)?.status

        switch row.seen {
        case .refusedByRole:
            for answer in [list, unknownPage, showOwn, showOther, retryOther, retryOwn] {
                #expect(answer.status == 403 && answer.code == "forbidden_role")
            }
            #expect(other == .unknown)
        case .every:
            #expect(list.status == 200 && Self.deliveryIds(list) == [Self.delivery112231, Self.delivery21429])
            #expect(Self.deliveryIds(unknownPage) == [Self.delivery112231] && unknownPage.json?["nextCursor"] != .null)
            #expect(showOwn.status == 200 && showOwn.json?["serviceId"] == .integer(21429))
            #expect(showOther.status == 200 && showOther.json?["serviceId"] == .integer(112231))
            #expect(retryOther.status == 200 && retryOther.json?["status"] == .string("pending"))
            #expect(retryOwn.status == 200 && retryOwn.json?["status"] == .string("pending"))
            #expect(other == .pending)
        case .service21429:
            #expect(list.status == 200 && Self.deliveryIds(list) == [Self.delivery21429])
            #expect(list.json?["nextCursor"] == .null)
            #expect(Self.deliveryIds(unknownPage) == [Self.delivery21429] && unknownPage.json?["nextCursor"] == .null)
            #expect(showOwn.status == 200 && showOwn.json?["serviceId"] == .integer(21429))
            // Another service's delivery is answered as an unknown id: its existence is not revealed.
            let unknown = await gateway.send("GET", "/v1/deliveries/dlv_" + String(repeating: "c", count: 26), key: row.key)
            #expect(showOther.status == 404 && showOther.code == "not_found")
            #expect(showOther.json?["detail"] == .string("No delivery has the id '\(Self.delivery112231)'."))
            #expect(unknown.json?["detail"] == .string("No delivery has the id 'dlv_\(String(repeating: "c", count: 26))'."))
            #expect(retryOther.status == 404 && retryOther.code == "not_found")
            #expect(retryOther.json?["detail"] == .string("No delivery has the id \(Self.delivery112231)."))
            #expect(retryOwn.status == 200 && retryOwn.json?["status"] == .string("pending"))
            #expect(other == .unknown, "the other service's delivery was not retried")
        }
    }
}
