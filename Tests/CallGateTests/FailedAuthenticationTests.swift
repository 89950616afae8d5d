import CallGateCore
import CallGateStorage
import Foundation
import Testing

@testable import CallGate

@Suite("Failed authentications are throttled per client address", .serialized)
struct FailedAuthenticationTests {
    static let attacker = "198.51.100.7"

    @Test("past the limit, failed authentications from an address get 429 with Retry-After and one summary record; a valid key from it is answered 200")
    func throttledWithSummary() async throws {
        let audited = try await AuditedGateway.make(authFailureLimitPerMinute: 3)
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        for _ in 0..<3 {
            #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "cgk_wrong", peer: Self.attacker).status == 401)
        }
        let throttled = await gateway.send("GET", "/v1/services/21429/queue", key: "cgk_wrong", peer: Self.attacker)
        #expect(throttled.status == 429)
        #expect(throttled.code == "too_many_failed_authentications")
        // GatewayHarness.now is the start of a minute.
        #expect(throttled.headers["retry-after"] == "60")
        #expect(await gateway.send("GET", "/v1/services/21429/queue", peer: Self.attacker).status == 429)
        #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "manager", peer: Self.attacker).status == 200)
        #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "cgk_wrong", peer: "198.51.100.8").status == 401)

        let records = try await audited.records().reversed().map { ($0.operation, $0.responseStatus, $0.clientAddress ?? "-") }
        #expect(records.map(\.0) == ["get_queue_stats", "get_queue_stats", "get_queue_stats", "auth_throttled", "get_queue_stats", "get_queue_stats"])
        #expect(records.map(\.1) == [401, 401, 401, 429, 200, 401])
        let summary = try #require(try await audited.records().first { $0.operation == "auth_throttled" })
        #expect(summary.entryCount == 4)
        #expect(summary.reason == "too_many_failed_authentications")
        #expect(summary.outcome == .denied)
        #expect(summary.clientAddress == Self.attacker)
    }

    @Test("unrouted 404s count as failed authentications; with a valid key they neither count nor are throttled")
    func unroutedCounts() async throws {
        try await withGateway(authFailureLimitPerMinute: 2) { gateway in
            for _ in 0..<3 { #expect(await gateway.send("GET", "/v1/nothing", key: "manager", peer: Self.attacker).status == 404) }
            #expect(await gateway.send("GET", "/v1/nothing", peer: Self.attacker).status == 404)
            #expect(await gateway.send("GET", "/v1/nothing", key: "cgk_wrong", peer: Self.attacker).status == 404)
            #expect(await gateway.send("GET", "/v1/nothing", peer: Self.attacker).code == "too_many_failed_authentications")
            #expect(await gateway.send("GET", "/v1/services/21429/queue", peer: Self.attacker).status == 429)
            #expect(await gateway.send("GET", "/v1/nothing", key: "manager", peer: Self.attacker).status == 404)
        }
    }

    @Test("with --auth-failure-limit-per-minute 0 nothing is throttled")
    func disabled() async throws {
        try await withGateway(authFailureLimitPerMinute: 0) { gateway in
            for _ in 0..<50 { #expect(await gateway.send("GET", "/v1/services/21429/queue", peer: Self.attacker).status == 401) }
        }
    }

    @Test("behind a trusted proxy each forwarded client is throttled on its own, and the audit records the client and the proxy")
    func behindProxy() async throws {
        let audited = try await AuditedGateway.make(authFailureLimitPerMinute: 1, trustedProxies: [IPAddressRange("10.0.0.0/8")!])
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        let viaProxy = { (client: String) in ["x-forwarded-for": client] }
        #expect(await gateway.send("GET", "/v1/services/21429/queue", headers: viaProxy("203.0.113.1"), peer: "10.0.0.2").status == 401)
        #expect(await gateway.send("GET", "/v1/services/21429/queue", headers: viaProxy("203.0.113.1"), peer: "10.0.0.2").status == 429)
        #expect(await gateway.send("GET", "/v1/services/21429/queue", headers: viaProxy("203.0.113.2"), peer: "10.0.0.2").status == 401)
        // Not from the proxy: the header is the client's own claim, and ignored.
        #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "manager", headers: viaProxy("203.0.113.9"),
                                   peer: "192.0.2.50").status == 200)
        let records = try await audited.records().reversed().map { [$0.clientAddress ?? "-", $0.peerAddress ?? "-"] }
        #expect(records == [["203.0.113.1", "10.0.0.2"], ["203.0.113.1", "10.0.0.2"], ["203.0.113.2", "10.0.0.2"],
                            ["192.0.2.50", "192.0.2.50"]])
    }

    @Test("webhook signatures that do not verify count toward the throttle; a signed webhook from the same address is accepted")
    func webhookSignatures() async throws {
        let harness = try await WebhookGateway.make(authFailureLimitPerMinute: 2)
        defer { Task { await harness.shutdown() } }
        for index in 0..<2 {
            #expect(await harness.post("callbacks", WebhookIntakeTests.callback, id: "bad_\(index)", signature: "v1,AAAA",
                                       peer: Self.attacker).status == 401)
        }
        let throttled = await harness.post("callbacks", WebhookIntakeTests.callback, id: "bad_2", signature: "v1,AAAA", peer: Self.attacker)
        #expect(throttled.status == 429)
        #expect(throttled.code == "too_many_failed_authentications")
        #expect(await harness.post("callbacks", WebhookIntakeTests.callback, id: "good", peer: Self.attacker).status == 202)
        let summary = try #require(try await harness.records().first { $0.operation == "auth_throttled" })
        #expect(summary.reason == "too_many_failed_authentications")
        #expect(summary.entryCount == 3)
    }

    @Test("a webhook body over --webhook-max-body-bytes is refused 413 before its signature is checked")
    func webhookBodyCap() async throws {
        let harness = try await WebhookGateway.make(webhookMaxBodyBytes: 1024)
        defer { Task { await harness.shutdown() } }
        let padded = #"{"serviceId": 21429, "phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT", "note": ""#
        let large = padded + String(repeating: "x", count: 1100) + "\"}"
        let refused = await harness.post("callbacks", large, id: "large")
        #expect(refused.status == 413)
        #expect(refused.code == "body_too_large")
        // The same over a bad signature: the size is refused first, so nothing of it is verified.
        #expect(await harness.post("callbacks", large, id: "large", signature: "v1,AAAA").status == 413)
        #expect(await harness.post("callbacks", WebhookIntakeTests.callback, id: "small").status == 202)
        #expect(try await harness.deliveries().count == 1)
    }
}
