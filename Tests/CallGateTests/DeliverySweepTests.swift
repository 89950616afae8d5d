import CallGateCore
import CallGateStorage
import Foundation
import Logging
import SQLiteStorage
import Testing

@testable import CallGate

@Suite("The delivery worker's sweep of deliveries left sending")
struct DeliverySweepTests {
    @Test("A delivery whose outcome commit fails is marked unknown by the running worker once it has been sending longer than its lease")
    func unrecordedOutcomeSwept() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try AuditKeys(secret: Array("an audit secret for the tests, 32+ bytes".utf8))
        let sqlite = try SQLiteAuditStore(path: directory + "/audit.sqlite", keys: keys)
        let store = BreakableStore(sqlite)
        let trail = AuditTrail(storage: Storage(audit: store, outbox: sqlite, idempotency: sqlite), keys: keys)
        var sources = WebhookSourcesFile()
        let secret = try WebhookSecret.parse(sources.addSource(name: "crm", role: .manager, services: [21429], agentLoginId: nil))
        try sources.save(path: directory + "/sources.yaml")
        let gateway = try await GatewayHarness(audit: trail, webhooks: try WebhookSourceStore(path: directory + "/sources.yaml"))
        let body = WebhookIntakeTests.callback
        let stamp = String(Int(Date().timeIntervalSince1970))
        let accepted = await gateway.send("POST", "/v1/webhooks/callbacks", headers: [
            "webhook-id": "msg_sweep", "webhook-timestamp": stamp,
            "webhook-signature": secret.signature(id: "msg_sweep", timestamp: stamp, body: Array(body.utf8)),
        ], body: body)
        #expect(accepted.status == 202)

        // From now on no audit record commits, so the attempt's outcome (committed with its record) is lost.
        store.broken.withLock { $0 = true }
        let worker = DeliveryWorker(trail: trail, client: gateway.gateway.forwarder.client,
                                    lease: .milliseconds(300), sweepInterval: .milliseconds(100),
                                    nowMillis: { Int64(Date().timeIntervalSince1970 * 1000) }, logger: gateway.gateway.logger)
        let running = Task { try await worker.run() }
        var statuses: [DeliveryStatus] = []
        var delivery: Delivery?
        for _ in 0..<200 {
            delivery = try await sqlite.deliveries(status: nil, limit: 10, beforeCursor: nil).deliveries.first
            if let status = delivery?.status, statuses.last != status { statuses.append(status) }
            if delivery?.status == .unknown { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        running.cancel()
        _ = try? await running.value
        #expect(statuses == [.pending, .sending, .unknown] || statuses == [.sending, .unknown])
        #expect(delivery?.lastError == Delivery.unrecordedError)
        #expect(delivery?.attempts == 1)
        await gateway.shutdown()
        await trail.shutdown()
    }
}
