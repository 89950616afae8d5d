import CallGateCore
import CallGateStorage
import Foundation
import SQLiteStorage
import Synchronization
import Testing

@testable import CallGate

/// A real SQLite store that can be told to refuse writes, as a full disk or a lost volume would.
final class BreakableStore: AuditStore {
    let inner: any AuditStore
    let broken = Mutex(false)
    /// Refuses appends while the write probe still passes: a disk that fills between the two.
    let appendsRefused = Mutex(false)

    init(_ inner: any AuditStore) { self.inner = inner }

    private func check() throws(AuditStoreError) {
        if broken.withLock({ $0 }) { throw AuditStoreError(code: .unavailable, detail: "disk I/O error (test)") }
    }

    func append(_ items: [AuditAppend]) async throws(AuditStoreError) -> [AuditAppended] {
        try check()
        if appendsRefused.withLock({ $0 }) { throw AuditStoreError(code: .unavailable, detail: "disk full (test)") }
        return try await inner.append(items)
    }
    func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage { try await inner.query(query) }
    func verify(witnessed: [WitnessHead]) async throws(AuditStoreError) -> AuditVerification {
        try await inner.verify(witnessed: witnessed)
    }
    func chainHead() async throws(AuditStoreError) -> ChainAnchor { try await inner.chainHead() }
    func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int { try await inner.prune(olderThanMillis: cutoffMillis) }
    func checkWritable() async throws(AuditStoreError) {
        try check()
        try await inner.checkWritable()
    }
    func close() async { await inner.close() }
}

/// A gateway with an audit trail in a temporary SQLite file.
struct AuditedGateway {
    let gateway: GatewayHarness
    let trail: AuditTrail
    let store: BreakableStore
    let file: String

    static func make(authFailureLimitPerMinute: Int = 30, trustedProxies: [IPAddressRange] = [],
                     callingWindows: CallingWindowGate = .builtIn(profile: .off),
                     nowMillis: @escaping @Sendable () -> Int64 = { GatewayHarness.now }) async throws -> AuditedGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keys = try AuditKeys(secret: Array("an audit secret for the tests, 32+ bytes".utf8))
        let file = directory + "/audit.sqlite"
        let sqlite = try SQLiteAuditStore(path: file, keys: keys)
        let store = BreakableStore(sqlite)
        let trail = AuditTrail(storage: Storage(audit: store, outbox: sqlite, idempotency: sqlite), keys: keys)
        let gateway = try await GatewayHarness(audit: trail, authFailureLimitPerMinute: authFailureLimitPerMinute,
                                               trustedProxies: trustedProxies, callingWindows: callingWindows, nowMillis: nowMillis)
        return AuditedGateway(gateway: gateway, trail: trail, store: store, file: file)
    }

    func shutdown() async {
        await gateway.shutdown()
        await trail.shutdown()
        try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent)
    }

    /// Every record, newest first.
    func records() async throws -> [AuditRecord] {
        try await trail.store.query(AuditQuery(limit: 1000)).records
    }
}

@Suite("The audit trail of the gateway", .serialized)
struct AuditTrailTests {
    @Test("A caller's path is stored truncated to 256 bytes with a marker, so an unrouted request cannot write kilobytes")
    func longPathTruncated() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let path = "/v1/" + String(repeating: "é", count: 4096)
        let answer = await audited.gateway.send("GET", path)
        #expect(answer.status == 404)
        let record = try #require(try await audited.records().first)
        // 4 bytes of "/v1/", then 126 two-byte characters: a character is never cut in half.
        #expect(record.path == "/v1/" + String(repeating: "é", count: 126) + "… (8196 bytes, truncated)")
        let short = await audited.gateway.send("GET", "/v1/nothing-here")
        #expect(short.status == 404)
        #expect(try await audited.records().first?.path == "/v1/nothing-here")
    }

    @Test("A batch refused while it is parsed, before the validator sees it, is recorded with its field code")
    func batchRefusedWhileParsed() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let entries = Array(repeating: #"{"phone":"4155550123"}"#, count: 1001).joined(separator: ",")
        let answer = await audited.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls":[\#(entries)]}"#)
        #expect(answer.status == 422)
        let record = try #require(try await audited.records().first)
        #expect(record.outcome == .denied && record.reason == "validation_failed" && record.responseStatus == 422)
        #expect(record.validationCodes == ["batch_too_large"])
        #expect(record.upstreamAttempts == 0)
    }

    @Test("Every LiveVox request is recorded, refused ones included, with who, what, why and what happened upstream")
    func everyDecision() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway

        let launched = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                          body: #"{"calls":[{"phone":"(415) 555-0123"},{"phone":"+1 650 351 7524"}]}"#)
        #expect(launched.status == 202)
        let anonymous = await gateway.send("GET", "/v1/services/21429/queue")
        #expect(anonymous.status == 401)
        let agent = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "agent", body: #"{"calls":[]}"#)
        #expect(agent.status == 403)
        let invalid = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                         body: #"{"calls":[{"phone":"4155550123"},{"phone":"123"}]}"#)
        #expect(invalid.status == 422)
        let health = await gateway.send("GET", "/healthz")
        #expect(health.status == 200)

        let records = try await audited.records()
        #expect(records.count == 5, "probes are not recorded; the four LiveVox requests are, the launch with its intent")
        let (refusedInput, refusedRole, refusedAuth, accepted, intent) = (records[0], records[1], records[2], records[3], records[4])
        #expect(intent.requestId == accepted.requestId && intent.outcome == .intent && intent.responseStatus == 0)

        #expect(accepted.requestId == launched.headers["x-request-id"])
        #expect(accepted.principal == "manager" && accepted.role == "Manager" && accepted.authMethod == "api_key")
        #expect(accepted.operation == "launch_manual_calls" && accepted.method == "POST")
        #expect(accepted.path == "/v1/services/21429/manual-calls" && accepted.serviceId == 21429)
        #expect(accepted.entryCount == 2 && accepted.outcome == .allowed && accepted.reason == nil)
        #expect(accepted.phones == [audited.trail.keys.phone("4155550123"), audited.trail.keys.phone("6503517524")])
        #expect(accepted.phones.map(\.masked) == ["******0123", "******7524"])
        #expect(accepted.upstreamStatus == 204 && accepted.upstreamAttempts == 1 && accepted.upstreamLatencyMicros != nil)
        #expect(accepted.responseStatus == 202 && accepted.totalLatencyMicros > 0)

        #expect(refusedAuth.principal == nil && refusedAuth.outcome == .denied && refusedAuth.reason == "unauthenticated")
        #expect(refusedAuth.responseStatus == 401 && refusedAuth.upstreamAttempts == 0 && refusedAuth.operation == "get_queue_stats")

        #expect(refusedRole.principal == "agent" && refusedRole.reason == "forbidden_role" && refusedRole.responseStatus == 403)

        #expect(refusedInput.outcome == .denied && refusedInput.reason == "validation_failed" && refusedInput.responseStatus == 422)
        #expect(refusedInput.entryCount == 2 && refusedInput.upstreamStatus == nil)
        #expect(refusedInput.validationCodes == ["too_short"], "\(refusedInput.validationCodes)")
        #expect(refusedInput.phones == [audited.trail.keys.phone("4155550123")], "the valid number is findable")

        #expect(try await audited.trail.store.verify().isIntact)
    }

    @Test("No secret and no whole phone number is ever written to the store")
    func noSecrets() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        _ = await gateway.send("POST", "/v1/services/21429/callbacks", key: "manager",
                               body: #"{"phone":"4155550123","at":"2026-06-02T10:00:00-07:00"}"#)
        _ = await gateway.send("GET", "/v1/services/21429/queue", headers: ["Authorization": "Bearer cgk_notARealKeyButSecretLooking000000000"])
        _ = await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", headers: ["LV-Access": gateway.keys["manager"]!])
        await audited.trail.writer.shutdown()

        var bytes = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: audited.file + suffix) { bytes.append(data) }
        }
        #expect(bytes.count > 0)
        let haystack = String(decoding: bytes, as: UTF8.self)
        for (name, secret) in gateway.keys {
            #expect(!haystack.contains(secret), "the \(name) key")
        }
        #expect(!haystack.contains("cgk_notARealKey"))
        #expect(!haystack.contains("sim-access-token") && !haystack.contains("sim-password"))
        #expect(!haystack.contains("4155550123") && !haystack.contains("415555"))
        #expect(!haystack.contains("Bearer"))
    }

    @Test("GET /v1/audit: Sysadmin and Superuser only, filters, newest first, cursor pages without gaps or duplicates")
    func query() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        for _ in 0..<5 { _ = await gateway.send("GET", "/v1/services/21429/queue", key: "manager") }
        _ = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls":[{"phone":"4155550123"}]}"#)
        _ = await gateway.send("GET", "/v1/services/21429/queue")

        #expect(await gateway.send("GET", "/v1/audit", key: "manager").code == "forbidden_role")
        #expect(await gateway.send("GET", "/v1/audit", key: "agent").status == 403)
        #expect(await gateway.send("GET", "/v1/audit").status == 401)

        let byPhone = await gateway.send("GET", "/v1/audit?phone=%2B1%20415%20555%200123", key: "superuser")
        #expect(byPhone.status == 200)
        guard case .array(let found)? = byPhone.json?["records"] else { Issue.record("\(byPhone.text)"); return }
        #expect(found.map { $0["outcome"] } == [.string("allowed"), .string("intent")], "the launch's outcome and its intent")
        #expect(found.first?["operation"] == .string("launch_manual_calls"))
        #expect(byPhone.json?["nextCursor"] == .null)

        let denied = await gateway.send("GET", "/v1/audit?outcome=denied&status=401&operation=get_queue_stats", key: "sysadmin")
        guard case .array(let deniedRecords)? = denied.json?["records"] else { Issue.record("\(denied.text)"); return }
        #expect(deniedRecords.count == 1 && deniedRecords[0]["principal"] == .null)

        // Pages of 2 while new records keep arriving (each query is recorded too): every record
        // that existed before the first page appears exactly once, newest first.
        let before = try await audited.records().map(\.sequence)
        var seen: [Int64] = []
        var cursor: String?
        repeat {
            let page = await gateway.send("GET", "/v1/audit?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), key: "sysadmin")
            guard case .array(let records)? = page.json?["records"] else { Issue.record("\(page.text)"); return }
            for record in records { if case .integer(let sequence)? = record["sequence"] { seen.append(sequence) } }
            _ = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
            if case .string(let next)? = page.json?["nextCursor"] { cursor = next } else { cursor = nil }
        } while cursor != nil
        #expect(seen == seen.sorted(by: >))
        #expect(Set(seen).count == seen.count)
        #expect(before.allSatisfy(seen.contains))

        let audits = try await audited.trail.store.query(AuditQuery(operation: "read_audit", limit: 1000)).records
        #expect(audits.count >= 6, "audit queries are audited too")
    }

    @Test("Malformed filters get 400 naming the parameter", arguments: [
        ("since=yesterday", "'since'"), ("until=2026-13-01T00:00:00Z", "'until'"), ("role=Boss", "'role'"),
        ("operation=drop_tables", "'operation'"), ("serviceId=-4", "'serviceId'"), ("phone=12", "'phone'"),
        ("outcome=maybe", "'outcome'"), ("status=99", "'status'"), ("cursor=abc", "'cursor'"), ("limit=0", "'limit'"),
        ("limit=1001", "'limit'"), ("color=red", "'color'"), ("limit=5&limit=6", "'limit'"), ("principal=%zz", "'principal'"),
        ("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z", "'until'"),
    ])
    func malformed(query: String, named: String) async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let answer = await audited.gateway.send("GET", "/v1/audit?" + query, key: "sysadmin")
        #expect(answer.status == 400)
        #expect(answer.code == "invalid_query")
        guard case .string(let detail)? = answer.json?["detail"] else { Issue.record("\(answer.text)"); return }
        #expect(detail.contains(named), "\(detail)")
    }

    @Test("NDJSON and CSV exports stream every matching record in pieces")
    func exports() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        for _ in 0..<3 { _ = await gateway.send("GET", "/v1/services/21429/queue", key: "manager") }
        let ndjson = await gateway.send("GET", "/v1/audit?principal=manager", key: "sysadmin",
                                        headers: ["Accept": "application/x-ndjson"])
        #expect(ndjson.status == 200 && ndjson.headers["content-type"] == "application/x-ndjson")
        let lines = ndjson.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { (try? JSONParser.parse(String($0)))?["principal"] == .string("manager") })

        let csv = await gateway.send("GET", "/v1/audit?principal=manager", key: "sysadmin", headers: ["Accept": "text/csv"])
        #expect(csv.headers["content-type"] == "text/csv; charset=utf-8")
        let rows = csv.text.split(separator: "\r\n")
        #expect(rows.count == 4)
        #expect(rows[0].hasPrefix("sequence,time,requestId,principal,role"))
        #expect(rows[1].contains(",manager,Manager,api_key,"))
    }

    @Test("GET /v1/audit/verify reports an intact chain")
    func verify() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        _ = await audited.gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        let answer = await audited.gateway.send("GET", "/v1/audit/verify", key: "sysadmin")
        #expect(answer.status == 200)
        #expect(answer.json?["intact"] == .bool(true))
        #expect(answer.json?["checked"] == .integer(1))
        #expect(answer.json?["firstBad"] == .null)
    }

    @Test("While the store cannot be written, nothing is answered unaudited and no call reaches LiveVox")
    func storeDown() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        audited.store.broken.withLock { $0 = true }
        let launches = gateway.simulator.simulator.launches.count

        let launch = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls":[{"phone":"4155550123"}]}"#)
        #expect(launch.status == 503 && launch.code == "audit_unavailable")
        #expect(launch.headers["retry-after"] == "5")
        #expect(gateway.simulator.simulator.launches.count == launches, "refused before LiveVox")
        let read = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        #expect(read.status == 503 && read.code == "audit_unavailable")

        audited.store.broken.withLock { $0 = false }
        let again = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls":[{"phone":"4155550123"}]}"#)
        #expect(again.status == 202, "the trail recovers once the store can be written")
    }
}
