import CallGateCore
import CallGateStorage
import Synchronization
import Testing

@testable import CallGate

@Suite("The delivery worker checks the calling window when it sends")
struct DeliveryWindowTests {
    static let launch = #"{"serviceId": 21429, "calls": [{"phone": "(415) 205-7483", "account": "A-1"}]}"#

    static func launches(_ harness: WebhookGateway) -> Int {
        harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/LaunchManualCalls") }.count
    }

    @Test("A delivery found outside its window is not sent: pending until the new instant, its claim not counted, the deferral audited")
    func deferredAtSending() async throws {
        let harness = try await WebhookGateway.make()
        _ = await harness.post("manual-calls", Self.launch, id: "msg_window")
        let reopens = GatewayHarness.now + 7_200_000
        let clock = Atomic<Int64>(GatewayHarness.now)
        let worker = try harness.worker(nowMillis: { clock.load(ordering: .relaxed) }) { _, now in
            now < reopens ? .closedUntil(untilMillis: reopens, reason: "outside the calling window; deferred to 14:00") : .open
        }
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 0)
        let waiting = try #require(try await harness.deliveries().first)
        #expect(waiting.status == .pending)
        #expect(waiting.attempts == 0)
        #expect(waiting.nextAttemptMillis == reopens)
        #expect(waiting.firstAttemptMillis == reopens)
        #expect(waiting.lastError == "outside the calling window; deferred to 14:00")
        let deferral = try #require(try await harness.records().first { $0.authMethod == "outbox" })
        #expect(deferral.responseStatus == 422)
        #expect(deferral.upstreamAttempts == 0)
        #expect(deferral.reason == "outside the calling window; deferred to 14:00")

        clock.store(reopens - 1, ordering: .relaxed)
        #expect(await worker.deliverDue() == 0)
        clock.store(reopens, ordering: .relaxed)
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 1)
        let sent = try #require(try await harness.deliveries().first)
        #expect(sent.status == .delivered)
        #expect(sent.attempts == 1)
        #expect(await worker.deliverDue() == 0)
        #expect(Self.launches(harness) == 1)
        await harness.shutdown()
    }

    @Test("A delivery whose window does not open within the horizon dies with the reason, never sent")
    func closedForGood() async throws {
        let harness = try await WebhookGateway.make()
        _ = await harness.post("manual-calls", Self.launch, id: "msg_closed")
        let worker = try harness.worker(nowMillis: { GatewayHarness.now }) { _, _ in
            .closed(reason: "outside the calling window, and no instant within 7 days allows every entry")
        }
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 0)
        let dead = try #require(try await harness.deliveries().first)
        #expect(dead.status == .dead)
        #expect(dead.lastError == "outside the calling window, and no instant within 7 days allows every entry")
        #expect(dead.upstreamStatus == nil)
        await harness.shutdown()
    }

    @Test("The retry limit counts from the planned first attempt, not from acceptance")
    func retryLimitFromPlan() {
        let policy = DeliveryPolicy(maxAge: .seconds(3600))
        let unavailable = DeliveryPolicyTests.error(.upstreamUnavailable, status: 503)
        let accepted: Int64 = 0
        let planned: Int64 = 5 * 86_400_000
        let retried = policy.outcome(failed: unavailable, attempts: 1, firstAttemptMillis: planned, nowMillis: planned, random: 0)
        #expect(retried == .retry(atMillis: planned + 5000, error: "LiveVox is unavailable. (LiveVox answered 503.)", upstreamStatus: 503))
        let fromAcceptance = policy.outcome(failed: unavailable, attempts: 1, firstAttemptMillis: accepted, nowMillis: planned, random: 0)
        #expect(fromAcceptance == .dead(reason: "Given up after 1 attempts over 1 h: LiveVox is unavailable. (LiveVox answered 503.)",
                                        upstreamStatus: 503))
    }
}
