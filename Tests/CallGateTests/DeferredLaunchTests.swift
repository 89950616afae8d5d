import CallGateCore
import CallGateStorage
import Testing

@testable import CallGate

/// `"whenOutsideWindow": "defer"` and manual-call webhooks outside the calling window, end to end:
/// the real pipeline, a real SQLite outbox, the real delivery worker and the simulator, with the
/// gateway's clock and the worker's set by the test.
@Suite("Deferring launches outside the calling window", .serialized)
struct DeferredLaunchTests {
    /// Monday 2026-06-01, 20:30 in Miami (EDT), 17:30 in San Francisco (PDT).
    static let mondayEvening: Int64 = 1_780_360_200_000
    /// Tuesday 2026-06-02T15:00:00Z: 11:00 in Miami, 08:00 in San Francisco, when both may be called.
    static let bothOpen: Int64 = 1_780_412_400_000
    static let telemarketing = CallingWindowGate.builtIn(profile: .telemarketing)
    static let batch = #"{"calls": [{"phone": "(305) 434-1234", "account": "A-1"}, {"phone": "415 205 7483"}]}"#

    static func deferring(_ batch: String = batch) -> String {
        #"{"whenOutsideWindow": "defer", "# + batch.dropFirst()
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }

    static func launches(_ harness: WebhookGateway) -> Int {
        harness.gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/LaunchManualCalls") }.count
    }

    /// A gateway whose clock and delivery worker read `clock`, its windows under `gate`.
    static func harness(_ clock: GatewayClock.Manual, gate: CallingWindowGate = telemarketing,
                        outsideWindow: WebhookOutsideWindow? = nil) async throws -> (WebhookGateway, DeliveryWorker) {
        let harness = try await WebhookGateway.make(outsideWindow: outsideWindow, callingWindows: gate, nowMillis: clock.clock.nowMillis)
        let worker = try harness.worker(nowMillis: clock.clock.nowMillis) { gate.verdict(for: $0, nowMillis: $1) }
        return (harness, worker)
    }

    @Test("A deferred batch is accepted 202 with its delivery, Location and planned instant; nothing reaches LiveVox before it, and at it the batch goes once")
    func deferredThenDelivered() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let (harness, worker) = try await Self.harness(clock)
        let answer = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.deferring())
        #expect(answer.status == 202)
        let id = try #require(Self.string(answer.json?["deliveryId"]))
        #expect(answer.headers["location"] == "/v1/deliveries/\(id)")
        #expect(answer.text == #"{"deliveryId":"\#(id)","status":"pending","plannedAt":"2026-06-02T15:00:00Z"}"#)
        #expect(Self.launches(harness) == 0)

        let stored = try #require(try await harness.deliveries().first)
        #expect(stored.status == .pending)
        #expect(stored.source == "manager")
        #expect(stored.operation == "launch_manual_calls")
        #expect(stored.createdMillis == Self.mondayEvening)
        #expect(stored.firstAttemptMillis == Self.bothOpen)
        #expect(stored.nextAttemptMillis == Self.bothOpen)
        let shown = await harness.gateway.send("GET", "/v1/deliveries/\(id)", key: "sysadmin")
        #expect(shown.json?["plannedAt"] == .string("2026-06-02T15:00:00.000Z"))

        // The waiting: nothing is due, hour after hour, up to a millisecond before the instant.
        for now in [Self.mondayEvening, Self.mondayEvening + 3_600_000, Self.bothOpen - 1] {
            clock.set(now)
            #expect(await worker.deliverDue() == 0)
        }
        #expect(Self.launches(harness) == 0)
        clock.set(Self.bothOpen)
        #expect(await worker.deliverDue() == 1)
        #expect(await worker.deliverDue() == 0)
        #expect(Self.launches(harness) == 1)
        let delivered = try #require(try await harness.deliveries().first)
        #expect(delivered.status == .delivered)
        #expect(delivered.attempts == 1)

        // One request id ties the deferral's intent, its 202 and the attempt together.
        let requestId = try #require(answer.headers["x-request-id"])
        let records = try await harness.records().filter { $0.requestId == requestId }
        #expect(records.map(\.responseStatus) == [204, 202, 0])
        #expect(records.map(\.authMethod) == ["outbox", "api_key", "api_key"])
        #expect(records.dropFirst().allSatisfy { $0.callingWindow?.nextAllowedAtMillis == Self.bothOpen })
        await harness.shutdown()
    }

    @Test("Cancelled before its instant, a deferred batch is never sent, and the cancel is in the trail")
    func cancelledBeforeInstant() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let (harness, worker) = try await Self.harness(clock)
        let answer = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.deferring())
        let id = try #require(Self.string(answer.json?["deliveryId"]))
        let cancelled = await harness.gateway.send("DELETE", "/v1/deliveries/\(id)", key: "sysadmin")
        #expect(cancelled.status == 200)
        #expect(cancelled.json?["status"] == .string("cancelled"))
        clock.set(Self.bothOpen + 86_400_000)
        #expect(await worker.deliverDue() == 0)
        #expect(Self.launches(harness) == 0)
        let cancel = try #require(try await harness.records().first { $0.method == "DELETE" })
        #expect(cancel.path == "/v1/deliveries/\(id)" && cancel.principal == "sysadmin" && cancel.responseStatus == 200)
        await harness.shutdown()
    }

    @Test("A batch no instant within seven days allows is refused 422, deferred or not, and nothing is stored")
    func noInstantWithinWeek() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let (harness, _) = try await Self.harness(clock)
        // Dialed for up to a day: no window stays open that long.
        let answer = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                                body: Self.deferring(#"{"calls": [{"phone": "415 205 7483", "dialingTimeoutSeconds": 86400}]}"#))
        #expect(answer.status == 422)
        #expect(answer.code == "outside_calling_window")
        #expect(Self.string(answer.json?["detail"])?.hasSuffix("No instant within 7 days allows every call of the request.") == true)
        #expect(try await harness.deliveries().isEmpty)
        #expect(Self.launches(harness) == 0)
        await harness.shutdown()
    }

    @Test("Inside the window, defer changes nothing: the batch goes to LiveVox at once; refuse (the default) still refuses outside it")
    func insideWindowAndRefuse() async throws {
        let clock = GatewayClock.Manual(Self.bothOpen)
        let (harness, _) = try await Self.harness(clock)
        let sent = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: Self.deferring())
        #expect(sent.status == 202)
        #expect(sent.json?["deliveryId"] == nil)
        #expect(sent.json?["accepted"] == .integer(2))
        #expect(Self.launches(harness) == 1)
        clock.set(Self.mondayEvening)
        let refused = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                                 body: #"{"whenOutsideWindow": "refuse", "# + Self.batch.dropFirst())
        #expect(refused.status == 422)
        #expect(refused.code == "outside_calling_window")
        let unknown = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                                 body: #"{"whenOutsideWindow": "later", "# + Self.batch.dropFirst())
        #expect(unknown.status == 422)
        #expect(unknown.code == "validation_failed")
        guard case .array(let errors)? = unknown.json?["errors"] else { Issue.record("no errors: \(unknown.text)"); return }
        #expect(errors.map { $0["pointer"] } == [.string("/whenOutsideWindow")])
        #expect(errors.map { $0["code"] } == [.string("unknown_value")])
        #expect(try await harness.deliveries().isEmpty)
        #expect(Self.launches(harness) == 1)
        await harness.shutdown()
    }

    @Test("The same Idempotency-Key gets the same deferral again, and the outbox holds one delivery")
    func idempotentDeferral() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let (harness, _) = try await Self.harness(clock)
        let first = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                               headers: ["idempotency-key": "campaign-7"], body: Self.deferring())
        let again = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                               headers: ["idempotency-key": "campaign-7"], body: Self.deferring())
        #expect(first.status == 202 && again.status == 202)
        #expect(again.headers["idempotency-replayed"] == "true")
        #expect(again.text == first.text)
        #expect(again.headers["location"] == first.headers["location"])
        #expect(try await harness.deliveries().count == 1)
        await harness.shutdown()
    }

    @Test("Checked again at sending under the profile in force: a window since closed moves the batch to its next instant, not counted as an attempt")
    func recheckedAtSending() async throws {
        // Accepted under `baseline`: 21:00 in Dallas is closed, 08:00 is allowed.
        let evening: Int64 = 1_780_369_200_000  // 2026-06-02T03:00:00Z, Monday 22:00 in Dallas
        let baselineOpens: Int64 = 1_780_405_200_000  // 13:00Z, 08:00 in Dallas
        let texasOpens: Int64 = 1_780_408_800_000  // 14:00Z, 09:00 in Dallas: Texas's telemarketing hours
        let clock = GatewayClock.Manual(evening)
        let harness = try await WebhookGateway.make(callingWindows: .builtIn(profile: .baseline), nowMillis: clock.clock.nowMillis)
        // The service has since been moved to `telemarketing`.
        let worker = try harness.worker(nowMillis: clock.clock.nowMillis) { Self.telemarketing.verdict(for: $0, nowMillis: $1) }
        let answer = await harness.gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                                body: Self.deferring(#"{"calls": [{"phone": "(214) 748-3647"}]}"#))
        #expect(answer.json?["plannedAt"] == .string("2026-06-02T13:00:00Z"))
        clock.set(baselineOpens)
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 0)
        let moved = try #require(try await harness.deliveries().first)
        #expect(moved.status == .pending)
        #expect(moved.attempts == 0)
        #expect(moved.firstAttemptMillis == texasOpens)
        #expect(moved.lastError == "Outside the calling window at 2026-06-02T13:00:00Z (US-TX-solicitation); deferred to 2026-06-02T14:00:00Z.")
        clock.set(texasOpens)
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 1)
        #expect(try await harness.deliveries().first?.status == .delivered)
        await harness.shutdown()
    }

    @Test("A manual-call webhook outside the window is accepted and deferred; at its instant it is delivered once")
    func webhookDeferred() async throws {
        let clock = GatewayClock.Manual(Self.mondayEvening)
        let (harness, worker) = try await Self.harness(clock)
        let accepted = await harness.post("manual-calls", #"{"serviceId": 21429, "# + Self.batch.dropFirst(), id: "msg_evening")
        #expect(accepted.status == 202)
        #expect(accepted.json?["plannedAt"] == .string("2026-06-02T15:00:00Z"))
        #expect(accepted.json?["status"] == .string("pending"))
        clock.set(Self.bothOpen - 1)
        #expect(await worker.deliverDue() == 0)
        clock.set(Self.bothOpen)
        #expect(await worker.deliverDue() == 1)
        #expect(Self.launches(harness) == 1)
        // Its body may still ask for the refusal.
        clock.set(Self.mondayEvening)
        let refused = await harness.post("manual-calls", #"{"serviceId": 21429, "whenOutsideWindow": "refuse", "# + Self.batch.dropFirst(),
                                         id: "msg_refuse")
        #expect(refused.status == 422)
        #expect(refused.code == "outside_calling_window")
        #expect(try await harness.deliveries().count == 1)
        await harness.shutdown()
    }

    @Test("A callback webhook outside the window follows its source: refused 422 by default, moved with outsideWindow: adjust")
    func callbackWebhookPerSource() async throws {
        let callback = #"{"serviceId": 21429, "phone": "(305) 434-1234", "at": "2026-06-01T21:30", "timeZone": "America/New_York"}"#
        for (setting, expected) in [(nil, 422), (WebhookOutsideWindow.refuse, 422), (.adjust, 202)] as [(WebhookOutsideWindow?, Int)] {
            let clock = GatewayClock.Manual(Self.mondayEvening - 7_200_000)
            let (harness, worker) = try await Self.harness(clock, outsideWindow: setting)
            let answer = await harness.post("callbacks", callback, id: "msg_cb")
            #expect(answer.status == expected)
            if expected == 422 {
                #expect(answer.code == "outside_calling_window")
                #expect(answer.json?["nextAllowedAt"] == .string("2026-06-02T12:00:00Z"))
                #expect(try await harness.deliveries().isEmpty)
            } else {
                #expect(await worker.deliverDue() == 1)
                let sent = try #require(harness.gateway.simulator.simulator.requests.first { $0.path.hasSuffix("/ScheduleCallback") })
                let body = try JSONParser.parse(sent.body)
                #expect(body["date"] == .string("1780401600000"))
            }
            await harness.shutdown()
        }
    }
}
