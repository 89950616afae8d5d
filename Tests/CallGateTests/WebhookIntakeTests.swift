import CallGateCore
import CallGateStorage
import Foundation
import LiveVoxClient
import LiveVoxSimulator
import SQLiteStorage
import Synchronization
import Testing

@testable import CallGate

/// A gateway with a real SQLite audit store (and so an outbox) and one webhook source, `crm`
/// (Manager on service 21429).
struct WebhookGateway {
    let gateway: GatewayHarness
    let store: SQLiteAuditStore
    let trail: AuditTrail
    let secret: WebhookSecret
    /// The sources file the gateway reads.
    let sourcesPath: String

    static func make(sourceRateLimit: RateLimit? = nil, authFailureLimitPerMinute: Int = 30,
                     webhookMaxBodyBytes: Int = 262_144, outsideWindow: WebhookOutsideWindow? = nil,
                     callingWindows: CallingWindowGate = .builtIn(profile: .off),
                     nowMillis: @escaping @Sendable () -> Int64 = { GatewayHarness.now }) async throws -> WebhookGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-wh-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keys = try AuditKeys(secret: Array("an audit secret for the tests, 32+ bytes".utf8))
        let store = try SQLiteAuditStore(path: directory + "/audit.sqlite", keys: keys)
        let trail = AuditTrail(storage: store.storage, keys: keys)
        var sources = WebhookSourcesFile()
        let secret = try sources.addSource(name: "crm", role: .manager, services: [21429], agentLoginId: nil,
                                           rateLimit: sourceRateLimit)
        sources.sources[0].outsideWindow = outsideWindow
        try sources.save(path: directory + "/sources.yaml")
        let webhooks = try WebhookSourceStore(path: directory + "/sources.yaml")
        let gateway = try await GatewayHarness(audit: trail, webhooks: webhooks, authFailureLimitPerMinute: authFailureLimitPerMinute,
                                               webhookMaxBodyBytes: webhookMaxBodyBytes, callingWindows: callingWindows, nowMillis: nowMillis)
        return WebhookGateway(gateway: gateway, store: store, trail: trail, secret: try WebhookSecret.parse(secret),
                              sourcesPath: directory + "/sources.yaml")
    }

    /// Posts `body` to `/v1/webhooks/{kind}`, signed (or with `signature` given), at `timestamp`.
    func post(_ kind: String, _ body: String, id: String, timestamp: Int = Int(Date().timeIntervalSince1970),
              signature: String? = nil, peer: String? = nil) async -> GatewayHarness.Answer {
        let stamp = String(timestamp)
        return await gateway.send("POST", "/v1/webhooks/\(kind)", headers: [
            "webhook-id": id, "webhook-timestamp": stamp,
            "webhook-signature": signature ?? secret.signature(id: id, timestamp: stamp, body: Array(body.utf8)),
        ], body: body, peer: peer)
    }

    /// A delivery worker over the outbox, sending through the gateway's client, on `nowMillis`,
    /// checking the calling window with `window`.
    func worker(nowMillis: @escaping @Sendable () -> Int64,
                window: @escaping @Sendable (Delivery, Int64) -> DeliveryWindowVerdict = DeliveryWindowVerdict.alwaysOpen) throws -> DeliveryWorker {
        DeliveryWorker(trail: trail, client: gateway.gateway.forwarder.client, nowMillis: nowMillis, window: window,
                       logger: gateway.gateway.logger)
    }

    func shutdown() async {
        await gateway.shutdown()
        await trail.shutdown()
    }

    /// Every delivery in the outbox.
    func deliveries() async throws -> [Delivery] {
        try await store.deliveries(status: nil, limit: 1000, beforeCursor: nil).deliveries
    }

    /// The audit records, newest first.
    func records() async throws -> [AuditRecord] {
        try await store.query(AuditQuery(limit: 1000)).records
    }
}

@Suite("Signed webhooks and their deliveries")
struct WebhookIntakeTests {
    static let callback = #"{"serviceId": 21429, "phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }

    static func first(_ value: JSONValue?) -> JSONValue? {
        if case .array(let items)? = value { items.first } else { nil }
    }

    @Test("A valid webhook is written to the outbox with its audit record and answered 202; a repeat gets the same delivery")
    func accepted() async throws {
        let harness = try await WebhookGateway.make()
        let first = await harness.post("callbacks", Self.callback, id: "msg_1")
        #expect(first.status == 202)
        let id = try #require(Self.string(first.json?["deliveryId"]))
        #expect(id.hasPrefix("dlv_") && id.count == 30)
        #expect(first.json?["status"] == .string("pending"))
        #expect(first.json?["duplicate"] == .bool(false))
        let again = await harness.post("callbacks", Self.callback, id: "msg_1")
        #expect(again.status == 202)
        #expect(Self.string(again.json?["deliveryId"]) == id)
        #expect(again.json?["duplicate"] == .bool(true))

        let deliveries = try await harness.deliveries()
        #expect(deliveries.map(\.id) == [id])
        let delivery = try #require(deliveries.first)
        #expect(delivery.source == "crm")
        #expect(delivery.webhookId == "msg_1")
        #expect(delivery.operation == "schedule_callback")
        #expect(delivery.serviceId == 21429)
        let payload = try JSONParser.parse(delivery.payload)
        #expect(payload["phoneNumber"] == .string("4158149720"))
        // Nothing reached LiveVox yet: the worker sends it.
        #expect(harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/ScheduleCallback") }.isEmpty)

        let records = try await harness.records()
        #expect(records.count == 2)
        #expect(records.allSatisfy { $0.principal == "crm" && $0.authMethod == "webhook" && $0.responseStatus == 202 })
        #expect(records.first?.phones.map(\.masked) == ["******9720"])
        #expect(delivery.requestId == records.last?.requestId)
        await harness.shutdown()
    }

    @Test("The same webhook sent 20 times at once makes one delivery; every copy is told its id")
    func concurrentDuplicates() async throws {
        let harness = try await WebhookGateway.make()
        let ids = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<20 {
                group.addTask { Self.string(await harness.post("callbacks", Self.callback, id: "msg_same").json?["deliveryId"]) }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 1)
        #expect(ids.allSatisfy { $0 != nil })
        #expect(try await harness.deliveries().count == 1)
        await harness.shutdown()
    }

    @Test("Refused webhooks leave nothing in the outbox, are audited with their reason, and get the same answer again")
    func refused() async throws {
        let harness = try await WebhookGateway.make()
        let now = Int(Date().timeIntervalSince1970)
        let stale = await harness.post("callbacks", Self.callback, id: "msg_2", timestamp: now - 301)
        #expect(stale.status == 401)
        #expect(stale.json?["code"] == .string("unauthenticated"))
        let tampered = await harness.post(
            "callbacks", Self.callback.replacingOccurrences(of: "9720", with: "9721"), id: "msg_3",
            signature: harness.secret.signature(id: "msg_3", timestamp: String(now), body: Array(Self.callback.utf8)))
        #expect(tampered.status == 401)
        let noService = await harness.post("callbacks", #"{"phone": "415 814 9720", "at": "2030-01-15T10:00"}"#, id: "msg_4")
        #expect(noService.status == 422)
        #expect(Self.first(noService.json?["errors"])?["pointer"] == .string("/serviceId"))
        let otherService = await harness.post("callbacks", Self.callback.replacingOccurrences(of: "21429", with: "50123"), id: "msg_5")
        #expect(otherService.status == 403)
        #expect(otherService.json?["code"] == .string("forbidden_service"))
        let badPhone = #"{"serviceId": 21429, "phone": "12", "at": "2030-01-15T10:00", "timeZone": "PT"}"#
        let invalid = await harness.post("callbacks", badPhone, id: "msg_6")
        #expect(invalid.status == 422)
        let retried = await harness.post("callbacks", badPhone, id: "msg_6")
        #expect(retried.status == 422)
        #expect(retried.json?["errors"] == invalid.json?["errors"])

        #expect(try await harness.deliveries().isEmpty)
        let reasons = try await harness.records().reversed().map(\.reason)
        #expect(reasons == ["stale_timestamp", "signature_mismatch", "validation_failed", "forbidden_service",
                            "validation_failed", "validation_failed"])
        await harness.shutdown()
    }

    @Test("The worker delivers once; the deliveries API shows it to Sysadmin only; only dead or unknown ones retry")
    func delivered() async throws {
        let harness = try await WebhookGateway.make()
        let accepted = await harness.post("manual-calls", #"{"serviceId": 21429, "calls": [{"phone": "(415) 205-7483"}]}"#, id: "msg_7")
        let id = try #require(Self.string(accepted.json?["deliveryId"]))
        let worker = try harness.worker { Int64(Date().timeIntervalSince1970 * 1000) }
        #expect(await worker.deliverDue() == 1)
        #expect(await worker.deliverDue() == 0)
        #expect(harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/LaunchManualCalls") }.count == 1)
        // The attempt is in the audit trail under the webhook's request id, with its numbers.
        let records = try await harness.records()
        let intake = try #require(records.first { $0.authMethod == "webhook" })
        let attempt = try #require(records.first { $0.authMethod == "outbox" })
        #expect(records.count == 2)
        #expect(attempt.requestId == intake.requestId)
        #expect(attempt.principal == "crm" && attempt.operation == intake.operation && attempt.serviceId == 21429)
        #expect(attempt.method == "POST" && attempt.path == "/v1/deliveries/\(id)")
        #expect(attempt.phones == intake.phones && attempt.phones.map(\.masked) == ["******7483"] && attempt.entryCount == 1)
        #expect(attempt.outcome == .allowed && attempt.reason == nil)
        #expect(attempt.upstreamStatus == 204 && attempt.upstreamAttempts == 1 && attempt.responseStatus == 204)
        #expect(attempt.upstreamLatencyMicros != nil)

        let shown = await harness.gateway.send("GET", "/v1/deliveries/\(id)", key: "sysadmin")
        #expect(shown.status == 200)
        #expect(shown.json?["status"] == .string("delivered"))
        #expect(shown.json?["attempts"] == .integer(1))
        #expect(shown.json?["upstreamStatus"] == .integer(204))
        #expect(shown.json?["payload"] == nil)
        #expect(await harness.gateway.send("GET", "/v1/deliveries/\(id)", key: "manager").status == 403)
        #expect(await harness.gateway.send("GET", "/v1/deliveries/dlv_00000000000000000000000000", key: "sysadmin").status == 404)
        #expect(await harness.gateway.send("GET", "/v1/deliveries/nope", key: "sysadmin").status == 404)
        let listed = await harness.gateway.send("GET", "/v1/deliveries?status=delivered", key: "sysadmin")
        #expect(Self.first(listed.json?["deliveries"])?["id"] == .string(id))
        let lost = await harness.gateway.send("GET", "/v1/deliveries?status=lost", key: "sysadmin")
        #expect(lost.status == 400)
        #expect(lost.json?["detail"] == .string("The query parameter 'status' is 'lost': use pending, sending, delivered, dead, unknown or cancelled."))
        #expect(await harness.gateway.send("GET", "/v1/deliveries?limit=0", key: "sysadmin").json?["detail"]
                == .string("The query parameter 'limit' is '0': use a whole number from 1 to 1000."))
        #expect(await harness.gateway.send("GET", "/v1/deliveries?page=2", key: "sysadmin").json?["detail"]
                == .string("The query parameter 'page' is not a parameter of the deliveries; they take status, limit and cursor."))
        let retry = await harness.gateway.send("POST", "/v1/deliveries/\(id)/retry", key: "sysadmin")
        #expect(retry.status == 409)
        #expect(retry.json?["code"] == .string("delivery_not_retryable"))
        await harness.shutdown()
    }
}

extension WebhookIntakeTests {
    @Test("LiveVox down for a while, then back: every accepted delivery is retried on schedule and arrives exactly once")
    func outage() async throws {
        let harness = try await WebhookGateway.make()
        let simulator = harness.gateway.simulator.simulator
        try simulator.addFault(FaultRule(kind: .error, pathPrefix: "/callControl", status: 503,
                                         body: #"{"code": 503, "message": "Maintenance"}"#))
        for index in 0..<10 {
            #expect(await harness.post("callbacks", Self.callback, id: "outage-\(index)").status == 202)
        }
        // The worker's clock starts where the gateway's is (deliveries are due at once) and is moved by hand.
        let clock = Mutex(GatewayHarness.now)
        let worker = try harness.worker { clock.withLock { $0 } }
        #expect(await worker.deliverDue() == 10)
        let waiting = try await harness.deliveries()
        #expect(waiting.allSatisfy { $0.status == .pending && $0.attempts == 1 && $0.upstreamStatus == 503 })
        // Retried 5 s later at the earliest (plus up to 20 % jitter): nothing is due before.
        #expect(waiting.allSatisfy { $0.nextAttemptMillis >= GatewayHarness.now + 5_000 && $0.nextAttemptMillis <= GatewayHarness.now + 6_000 })
        clock.withLock { $0 += 4_000 }
        #expect(await worker.deliverDue() == 0)
        let attemptsWhileDown = simulator.requests.filter { $0.path.hasSuffix("/ScheduleCallback") }.count
        #expect(attemptsWhileDown >= 10)

        // Back: the client's breaker (open for 5 s after 5 failures in a row) lets a probe through
        // after its real-time pause; deliveries it turned away wait for their next attempt.
        simulator.clearFaults()
        try await Task.sleep(for: .seconds(6))
        var rounds = 0
        while try await harness.deliveries().contains(where: { $0.status != .delivered }), rounds < 10 {
            clock.withLock { $0 += 3_600_000 }
            _ = await worker.deliverDue()
            rounds += 1
        }
        let delivered = try await harness.deliveries()
        #expect(delivered.count == 10)
        #expect(delivered.allSatisfy { $0.status == .delivered && $0.attempts >= 2 && $0.lastError == nil && $0.upstreamStatus == 204 })
        // Exactly one call per delivery reached LiveVox once it was back.
        let sentAfter = simulator.requests.filter { $0.path.hasSuffix("/ScheduleCallback") }.count - attemptsWhileDown
        #expect(sentAfter == 10)
        #expect(await worker.deliverDue() == 0)
        // One audit record per attempt: the failed ones as errors with their reason, then one
        // delivery each.
        let attempts = try await harness.records().filter { $0.authMethod == "outbox" }
        #expect(attempts.count == delivered.map(\.attempts).reduce(0, +))
        #expect(attempts.filter { $0.responseStatus == 204 }.count == 10)
        #expect(attempts.filter { $0.responseStatus != 204 }.allSatisfy { $0.outcome == .error && $0.reason != nil && $0.responseStatus == 503 })
        #expect(Set(attempts.map(\.requestId)) == Set(delivered.map(\.requestId)))
        await harness.shutdown()
    }
}

@Suite("Delivery policy")
struct DeliveryPolicyTests {
    static let policy = DeliveryPolicy(maxAge: .seconds(24 * 3600))
    static let now: Int64 = 1_780_315_200_000

    static func error(_ code: LiveVoxError.Code, status: Int? = nil, retryAfter: Duration? = nil, mayHaveActed: Bool = false) -> LiveVoxError {
        LiveVoxError(code: code, operation: "scheduleCallback", upstreamStatus: status, retryAfter: retryAfter, attempts: 1,
                     upstreamMayHaveActed: mayHaveActed)
    }

    @Test("LiveVox's answers: 2xx delivers, a refusal is dead with LiveVox's words")
    func answers() {
        #expect(Self.policy.outcome(answered: 204, error: nil) == .delivered(upstreamStatus: 204))
        #expect(Self.policy.outcome(answered: 400, error: LiveVoxErrorBody(code: 7, message: "Invalid phone"))
                == .dead(reason: "LiveVox refused it with 400, code 7: Invalid phone", upstreamStatus: 400))
    }

    @Test("Transient failures retry on the schedule, never before Retry-After, and die past the maximum age")
    func failures() {
        let unavailable = Self.error(.upstreamUnavailable, status: 503)
        #expect(Self.policy.outcome(failed: unavailable, attempts: 1, firstAttemptMillis: Self.now, nowMillis: Self.now, random: 0)
                == .retry(atMillis: Self.now + 5_000, error: "LiveVox is unavailable. (LiveVox answered 503.)", upstreamStatus: 503))
        #expect(Self.policy.outcome(failed: unavailable, attempts: 3, firstAttemptMillis: Self.now, nowMillis: Self.now, random: 1)
                == .retry(atMillis: Self.now + 144_000, error: "LiveVox is unavailable. (LiveVox answered 503.)", upstreamStatus: 503))
        let limited = Self.error(.upstreamRateLimited, status: 429, retryAfter: .seconds(60))
        #expect(Self.policy.outcome(failed: limited, attempts: 1, firstAttemptMillis: Self.now, nowMillis: Self.now, random: 0)
                == .retry(atMillis: Self.now + 60_000, error: "LiveVox is limiting the rate of requests. (LiveVox answered 429.)", upstreamStatus: 429))
        let late = Self.now + 23 * 3_600_000 + 1_000
        #expect(Self.policy.outcome(failed: unavailable, attempts: 30, firstAttemptMillis: Self.now, nowMillis: late, random: 0)
                == .dead(reason: "Given up after 30 attempts over 24 h: LiveVox is unavailable. (LiveVox answered 503.)", upstreamStatus: 503))
        #expect(DeliveryPolicy.wait(afterAttempts: 0) == .zero)
        #expect(DeliveryPolicy.wait(afterAttempts: 99) == .seconds(3600))
    }

    @Test("A failure after which LiveVox may have acted is left for review, never retried")
    func mayHaveActed() {
        let timeout = Self.error(.upstreamTimeout, mayHaveActed: true)
        #expect(Self.policy.outcome(failed: timeout, attempts: 1, firstAttemptMillis: Self.now, nowMillis: Self.now, random: 0)
                == .unknown(reason: "LiveVox may have acted on it: LiveVox did not answer in time. Check at LiveVox before retrying it."))
    }
}

@Suite("Delivery ids")
struct DeliveryIDTests {
    @Test("dlv_, the time in 9 base-36 digits, 17 random base-36 characters: distinct, sorted by time, the random part uniform")
    func shape() {
        let now: Int64 = 1_796_000_000_123
        let ids = (0..<30_000).map { DeliveryID.generate(nowMillis: now + Int64($0 / 1000)) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 30 && $0.hasPrefix("dlv_") && $0.utf8.dropFirst(4).allSatisfy(DeliveryID.alphabet.contains) })
        #expect(Int64(ids[0].dropFirst(4).prefix(9), radix: 36) == now)
        #expect(ids.last.map { Int64($0.dropFirst(4).prefix(9), radix: 36) } == now + 29)
        // Ids of later milliseconds sort after earlier ones (the index grows at its end).
        #expect(zip(ids, ids.dropFirst(1000)).allSatisfy { $0 < $1 })
        #expect(DeliveryID.generate(nowMillis: 5).hasPrefix("dlv_000000005"))
        var counts = [UInt8: Int]()
        for id in ids { for byte in id.utf8.dropFirst(13) { counts[byte, default: 0] += 1 } }
        // 510,000 random characters over 36: about 14,167 each; a biased mapping (byte % 36 over
        // all 256 values) would give the first four characters about 14 % more than the rest.
        #expect(counts.count == 36)
        #expect(counts.values.allSatisfy { abs($0 - 14_167) < 600 }, "\(counts.values.sorted())")
    }
}
