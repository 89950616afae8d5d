import CallGateCore
import Foundation
import LiveVoxSimulator
import Testing

@testable import CallGate

@Suite("Idempotency-Key on the /v1 POSTs")
struct IdempotencyGatewayTests {
    static let callback = #"{"phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#

    static func post(_ harness: WebhookGateway, key: String, body: String = callback, as principal: String = "manager") async -> GatewayHarness.Answer {
        await harness.gateway.send("POST", "/v1/services/21429/callbacks", key: principal, headers: ["Idempotency-Key": key], body: body)
    }

    static func callbacksAtLiveVox(_ harness: WebhookGateway) -> Int {
        harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/ScheduleCallback") }.count
    }

    @Test("The same key and request replays the first answer without calling LiveVox again; another request is refused")
    func replay() async throws {
        let harness = try await WebhookGateway.make()
        let first = await Self.post(harness, key: "order-1")
        #expect(first.status == 202)
        #expect(first.headers["idempotency-replayed"] == nil)
        let again = await Self.post(harness, key: "order-1")
        #expect(again.status == 202)
        #expect(again.body == first.body)
        #expect(again.headers["idempotency-replayed"] == "true")
        #expect(Self.callbacksAtLiveVox(harness) == 1)

        let other = await Self.post(harness, key: "order-1", body: Self.callback.replacingOccurrences(of: "9720", with: "9721"))
        #expect(other.status == 422)
        #expect(other.json?["code"] == .string("idempotency_key_reused"))
        // Keys are per principal: another principal's same key is a new request.
        #expect(await Self.post(harness, key: "order-1", as: "sysadmin").headers["idempotency-replayed"] == nil)
        #expect(Self.callbacksAtLiveVox(harness) == 2)
        #expect(await Self.post(harness, key: "has space").json?["code"] == .string("invalid_idempotency_key"))
        #expect(await Self.post(harness, key: String(repeating: "k", count: 256)).status == 400)
        await harness.shutdown()
    }

    @Test("Ten concurrent requests with one key reach LiveVox once; the others replay it or are told it is in progress")
    func concurrent() async throws {
        let harness = try await WebhookGateway.make()
        let statuses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { await Self.post(harness, key: "order-2").status } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Self.callbacksAtLiveVox(harness) == 1)
        #expect(statuses.allSatisfy { $0 == 202 || $0 == 409 })
        #expect(statuses.contains(202))
        await harness.shutdown()
    }

    @Test("A failure after which LiveVox may have acted is kept: the retry gets it again, LiveVox is not called twice")
    func failureKept() async throws {
        let harness = try await WebhookGateway.make()
        try harness.gateway.simulator.simulator.addFault(FaultRule(kind: .error, pathPrefix: "/callControl", status: 500,
                                                                   body: #"{"code": 1234, "message": "Database down"}"#))
        let first = await Self.post(harness, key: "order-3")
        #expect(first.status == 502)
        let retry = await Self.post(harness, key: "order-3")
        #expect(retry.status == 502)
        #expect(retry.headers["idempotency-replayed"] == "true")
        #expect(Self.callbacksAtLiveVox(harness) == 1)
        await harness.shutdown()
    }
}
