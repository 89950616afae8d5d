import CallGateCore
import CallGateStorage
import Testing

@testable import CallGate

@Suite("Cancelling a pending delivery")
struct DeliveryCancelTests {
    static let launch = #"{"serviceId": 21429, "calls": [{"phone": "(415) 205-7483", "account": "A-1"}]}"#

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }

    @Test("DELETE cancels a pending delivery: it is never sent, the cancel is audited, and a second DELETE is a conflict")
    func cancelBeforeSending() async throws {
        let harness = try await WebhookGateway.make()
        let accepted = await harness.post("manual-calls", Self.launch, id: "msg_cancel")
        let id = try #require(Self.string(accepted.json?["deliveryId"]))

        // Only the roles that administer deliveries may cancel; a key limited to other services learns nothing.
        #expect(await harness.gateway.send("DELETE", "/v1/deliveries/\(id)", key: "manager").status == 403)
        let cancelled = await harness.gateway.send("DELETE", "/v1/deliveries/\(id)", key: "sysadmin")
        #expect(cancelled.status == 200)
        #expect(cancelled.json?["id"] == .string(id))
        #expect(cancelled.json?["status"] == .string("cancelled"))
        #expect(cancelled.json?["attempts"] == .integer(0))
        #expect(try await harness.deliveries().map(\.status) == [.cancelled])

        let worker = try harness.worker(nowMillis: { GatewayHarness.now + 3_600_000 })
        #expect(await worker.deliverDue() == 0)
        #expect(harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/LaunchManualCalls") }.isEmpty)

        let again = await harness.gateway.send("DELETE", "/v1/deliveries/\(id)", key: "sysadmin")
        #expect(again.status == 409)
        #expect(again.json?["code"] == .string("delivery_not_cancellable"))
        #expect(again.json?["detail"] == .string("The delivery \(id) is cancelled: only a pending delivery can be cancelled."))

        let listed = await harness.gateway.send("GET", "/v1/deliveries?status=cancelled", key: "sysadmin")
        guard case .array(let deliveries)? = listed.json?["deliveries"] else {
            Issue.record("no deliveries in \(String(describing: listed.json))")
            return
        }
        #expect(deliveries.map { $0["id"] } == [.string(id)])

        // The cancel is in the trail: who, which delivery, what was answered.
        let records = try await harness.records().filter { $0.method == "DELETE" }
        #expect(records.map(\.principal) == ["sysadmin", "sysadmin", "manager"])
        #expect(records.map(\.path) == Array(repeating: "/v1/deliveries/\(id)", count: 3))
        #expect(records.map(\.responseStatus) == [409, 200, 403])
        await harness.shutdown()
    }

    @Test("DELETE of a delivery already sent is 409, of an unknown id 404; a key limited to the delivery's service may cancel it")
    func cancelAfterSending() async throws {
        let harness = try await WebhookGateway.make()
        let accepted = await harness.post("manual-calls", Self.launch, id: "msg_sent")
        let id = try #require(Self.string(accepted.json?["deliveryId"]))
        let worker = try harness.worker(nowMillis: { GatewayHarness.now })
        #expect(await worker.deliverDue() == 1)
        #expect(harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/LaunchManualCalls") }.count == 1)

        let refused = await harness.gateway.send("DELETE", "/v1/deliveries/\(id)", key: "superuser")
        #expect(refused.status == 409)
        #expect(refused.json?["code"] == .string("delivery_not_cancellable"))
        #expect(refused.json?["detail"] == .string("The delivery \(id) is delivered: only a pending delivery can be cancelled."))
        #expect(try await harness.deliveries().map(\.status) == [.delivered])

        let unknown = await harness.gateway.send("DELETE", "/v1/deliveries/dlv_00000000000000000000000000", key: "sysadmin")
        #expect(unknown.status == 404)
        #expect(unknown.json?["code"] == .string("not_found"))

        let second = await harness.post("manual-calls", Self.launch, id: "msg_other")
        let pending = try #require(Self.string(second.json?["deliveryId"]))
        // The delivery addresses 21429: a Sysadmin key limited to 21429 may cancel it (a key limited
        // elsewhere is answered as for an unknown id: the conformance suite's scope test).
        #expect(await harness.gateway.send("DELETE", "/v1/deliveries/\(pending)", key: "scoped-sysadmin").status == 200)
        await harness.shutdown()
    }

    @Test("The delivery route takes GET and DELETE; another method is 405 naming both")
    func methods() async throws {
        let route = GatewayRoute.parse(method: "PUT", path: "/v1/deliveries/dlv_00000000000000000000000000", query: nil)
        guard case .failure(let problem) = route else {
            Issue.record("PUT was routed: \(route)")
            return
        }
        #expect(problem.status == 405)
        #expect(problem.allowedMethods == ["GET", "HEAD", "DELETE"])
        #expect(problem.detail == "/v1/deliveries/dlv_00000000000000000000000000 takes GET or DELETE, not PUT.")
        #expect(try GatewayRoute.parse(method: "DELETE", path: "/v1/deliveries/dlv_00000000000000000000000000", query: nil).get()
                == .deliveryCancel(id: "dlv_00000000000000000000000000"))
    }
}
