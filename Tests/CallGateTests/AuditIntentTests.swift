import CallGateCore
import CallGateStorage
import Foundation
import LiveVoxSimulator
import Logging
import Testing

@testable import CallGate

/// A launch or a callback acts at LiveVox: its intent record is committed before it is sent, so
/// that no call is placed without a record, and an intent whose outcome never came reads as
/// `incomplete`.
@Suite("Intent records before LiveVox acts", .serialized)
struct AuditIntentTests {
    static let launch = #"{"calls":[{"phone":"4155550123"}]}"#
    static let callback = #"{"phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#

    @Test("A store that refuses the intent, though its write probe passes, gets 503 and LiveVox sees nothing")
    func intentRefused() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway
        audited.store.appendsRefused.withLock { $0 = true }

        let launch = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.launch)
        #expect(launch.status == 503 && launch.code == "audit_unavailable")
        let callback = await gateway.send("POST", "/v1/services/112231/callbacks", key: "agent", body: Self.callback)
        #expect(callback.status == 503 && callback.code == "audit_unavailable")
        let reachedLiveVox = gateway.simulator.simulator.requests.filter { $0.path.hasPrefix("/callControl") }
        #expect(reachedLiveVox.isEmpty, "LiveVox received \(reachedLiveVox.map(\.path))")
    }

    @Test("The intent record precedes the outcome record under the same request id; a read has no intent")
    func intentThenOutcome() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway

        let launch = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.launch)
        #expect(launch.status == 202)
        let callback = await gateway.send("POST", "/v1/services/112231/callbacks", key: "agent", body: Self.callback)
        #expect(callback.status == 202)
        let read = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        #expect(read.status == 200)

        let records = try await audited.records().reversed().map { $0 }
        #expect(records.map(\.outcome) == [.intent, .allowed, .intent, .allowed, .allowed])
        #expect(records.map(\.requestId) == [launch.headers["x-request-id"], launch.headers["x-request-id"],
                                             callback.headers["x-request-id"], callback.headers["x-request-id"],
                                             read.headers["x-request-id"]])
        let intent = records[0]
        #expect(intent.operation == "launch_manual_calls" && intent.responseStatus == 0 && intent.upstreamAttempts == 0)
        #expect(intent.upstreamStatus == nil && intent.entryCount == 1 && intent.reason == nil)
        #expect(intent.phones == [audited.trail.keys.phone("4155550123")])
        #expect(records[1].upstreamAttempts == 1 && records[1].responseStatus == 202)
        #expect(try await audited.trail.store.verify().isIntact, "intents are chained like every record")
    }

    @Test("An intent whose outcome was never committed reads as incomplete; outcome=incomplete finds exactly those; verify passes")
    func incomplete() async throws {
        let audited = try await AuditedGateway.make()
        defer { Task { await audited.shutdown() } }
        let gateway = audited.gateway

        let finished = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.launch)
        #expect(finished.status == 202)
        // LiveVox holds the launch; the store fails while it waits, so its outcome is never committed.
        try gateway.simulator.simulator.addFault(FaultRule(kind: .latency, pathPrefix: "/callControl", latencyMilliseconds: 1500))
        let held = Task { await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.launch) }
        for _ in 0..<100 where gateway.simulator.simulator.requests.filter({ $0.path.hasSuffix("LaunchManualCalls") }).count < 2 {
            try await Task.sleep(for: .milliseconds(20))
        }
        audited.store.broken.withLock { $0 = true }
        let lost = await held.value
        audited.store.broken.withLock { $0 = false }
        #expect(lost.status == 503 && lost.code == "audit_unavailable")
        #expect(gateway.simulator.simulator.launches.count == 2, "LiveVox acted on both launches")
        let lostId = try #require(lost.headers["x-request-id"])

        let answer = await gateway.send("GET", "/v1/audit?outcome=incomplete", key: "sysadmin")
        #expect(answer.status == 200)
        guard case .array(let found)? = answer.json?["records"] else {
            Issue.record("no records in \(String(describing: answer.json))")
            return
        }
        #expect(found.map { $0["requestId"] } == [.string(lostId)])
        #expect(found.map { $0["outcome"] } == [.string("incomplete")])

        let intents = await gateway.send("GET", "/v1/audit?outcome=intent", key: "sysadmin")
        guard case .array(let all)? = intents.json?["records"] else {
            Issue.record("no records in \(String(describing: intents.json))")
            return
        }
        #expect(all.map { $0["outcome"] } == [.string("incomplete"), .string("intent")],
                "the finished launch's intent reads as intent, the lost one's as incomplete")

        #expect(await audited.trail.reportIncompleteRequests(nowMillis: GatewayHarness.now, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) == 1)
        #expect(try await audited.trail.store.verify().isIntact)
    }
}
