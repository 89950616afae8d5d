import CallGateCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import LiveVoxSimulator

@Suite("The four Supervisor Calls operations")
struct OperationTests {
    @Test("Queue stats answer the reference's five counts, by path and by query, on versioned paths too", arguments: [
        "/callControl/supervisor/calls/queue/21429",
        "/callControl/supervisor/calls/queue?serviceId=21429",
        "/callControl/v6.0/supervisor/calls/queue/21429",
    ])
    func queueStats(path: String) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(.get, path, session: session)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text == #"{"availableAgents":5,"callsInProgress":0,"callsOnHold":0,"callsToBeLaunched":0,"maxAgents":10}"#)
        }
    }

    @Test("The queue query without serviceId answers 400")
    func queueWithoutServiceId() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(.get, "/callControl/supervisor/calls/queue", session: session)
            #expect(response.status == .badRequest)
            #expect(response.text == errorBody(.malformedRequest, "The query parameter serviceId is required."))
        }
    }

    @Test("An unknown service answers 404, and a service id that is not a number 400", arguments: [
        ("/callControl/supervisor/calls/queue/99999", 404, errorBody(.unknownService, "Service 99999 does not exist.")),
        ("/callControl/supervisor/calls/99999/GetNonAttemptedManualCalls", 404, errorBody(.unknownService, "Service 99999 does not exist.")),
        ("/callControl/supervisor/calls/abc/GetNonAttemptedManualCalls", 400, errorBody(.malformedRequest, "serviceId must be an integer, got 'abc'.")),
        ("/callControl/supervisor/calls/queue?serviceId=-1", 400, errorBody(.malformedRequest, "serviceId must be an integer, got '-1'.")),
    ])
    func unknownService(path: String, status: Int, body: String) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(.get, path, session: session)
            #expect(response.status.code == status)
            #expect(response.text == body)
        }
    }

    @Test("GetNonAttemptedManualCalls writes transactionId and errorCode as strings and timeOfFailure without offset")
    func nonAttemptedQuirks() async throws {
        try await SimulatorHarness.run(now: Instant.pacificNine + 0.2) { sim in
            let session = try await sim.login()
            #expect(try await sim.nonAttempted(50123, session: session) == #"{"nonAttemptedManualCalls":[]}"#)
            let launch = try await sim.launch(50123, session: session, entries: #"{"phoneNumber": "6503517524"}"#)
            #expect(launch.status == .noContent)
            #expect(launch.body.readableBytes == 0)
            #expect(try await sim.nonAttempted(50123, session: session) == """
                {"nonAttemptedManualCalls":[{"errorCode":"998","phoneNumber":"6503517524",\
                "reason":"Outside of allowable dialing window","timeOfFailure":"2026-03-02T05:00:00.2",\
                "transactionId":"27460618101"}]}
                """)
        }
    }

    @Test("LaunchManualCalls accepts the reference's example body and answers 204")
    func launchExample() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.launch(session: session, entries: """
                {"phoneNumber": "4152057483", "account": "123456"},
                {"phoneNumber": "4086462133", "dialingTimeout": "60"},
                {"phoneNumber": "4157667320", "transactionId": 5}
                """)
            #expect(response.status == .noContent)
            let entries = sim.simulator.launches.map(\.entry)
            #expect(entries == [
                CallEntry(transactionId: 27_460_618_101, phoneNumber: "4152057483", account: "123456"),
                CallEntry(transactionId: 27_460_618_102, phoneNumber: "4086462133", dialingTimeout: 60),
                CallEntry(transactionId: 5, phoneNumber: "4157667320"),
            ])
        }
    }

    @Test("LaunchManualCalls on a non-automated queuer is refused with 400 and a LiveVox body")
    func launchOnManualQueuer() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.launch(30000, session: session, entries: #"{"phoneNumber": "4152057483"}"#)
            #expect(response.status == .badRequest)
            #expect(response.text == errorBody(.serviceNotAutomated,
                                               "Service 30000 is on a non-automated queuer; manual calls cannot be launched."))
            #expect(sim.simulator.launches.isEmpty)
        }
    }

    @Test("ScheduleCallback accepts the reference's example, stores it and answers 204; also on a manual service")
    func scheduleCallback() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let example = #"{"phoneNumber": "4158149720", "account": "1234", "date": "1549398063000"}"#
            let response = try await sim.send(.post, "/callControl/supervisor/calls/112231/ScheduleCallback", session: session, body: example)
            #expect(response.status == .noContent)
            let zoned = #"{"phoneNumber": "4158149720", "timeZone": "PT", "agentLoginId": "agent7", "transactionId": "9"}"#
            #expect(try await sim.send(.post, "/callControl/v6.0/supervisor/calls/30000/ScheduleCallback", session: session, body: zoned).status == .noContent)
            #expect(sim.simulator.callbacks.map(\.serviceId) == [112231, 30000])
            #expect(sim.simulator.callbacks.map(\.request) == [
                ScheduleCallbackRequest(phoneNumber: "4158149720", account: "1234", date: 1_549_398_063_000),
                ScheduleCallbackRequest(transactionId: 9, phoneNumber: "4158149720", agentLoginId: "agent7", timeZone: "PT"),
            ])
        }
    }

    @Test("ScheduleCallback refuses a time zone LiveVox does not know")
    func callbackUnknownZone() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(.post, "/callControl/supervisor/calls/112231/ScheduleCallback", session: session,
                                              body: #"{"phoneNumber": "4158149720", "timeZone": "Mars"}"#)
            #expect(response.status == .badRequest)
            #expect(response.text == errorBody(.malformedRequest,
                                               "timeZone must be one of AL, AT, CHT, CT, ET, GU, HI, MT, PT, UK, UTC, got 'Mars'."))
            #expect(sim.simulator.callbacks.isEmpty)
        }
    }
}
