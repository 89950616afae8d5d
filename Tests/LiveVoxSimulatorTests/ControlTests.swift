import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import LiveVoxSimulator

@Suite("Control endpoints under /_sim/")
struct ControlTests {
    static let queuePath = "/callControl/supervisor/calls/queue/21429"

    @Test("Every LiveVox request is recorded with method, path, query, headers and body; control requests are not")
    func recordsRequests() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            _ = try await sim.send(.get, "/callControl/supervisor/calls/queue?serviceId=21429", session: session)
            let recorded = sim.simulator.requests
            #expect(recorded.map(\.method) == ["POST", "GET"])
            #expect(recorded.map(\.path) == ["/session/login", "/callControl/supervisor/calls/queue"])
            #expect(recorded.map(\.query) == [nil, "serviceId=21429"])
            #expect(recorded[0].body == SimulatorHarness.loginBody())
            #expect(recorded[0].header("lv-access") == "sim-access-token")
            #expect(recorded[1].header("LV-Session") == session)
            #expect(recorded.map(\.receivedAt) == [Instant.afternoon, Instant.afternoon])

            let listed = try await sim.send(.get, "/_sim/requests")
            #expect(listed.status == .ok)
            struct Listing: Decodable { var requests: [RecordedRequest] }
            #expect(try JSONDecoder().decode(Listing.self, from: Data(listed.text.utf8)).requests == recorded)
            #expect(try await sim.send(.delete, "/_sim/requests").status == .noContent)
            #expect(try await sim.send(.get, "/_sim/requests").text == #"{"requests":[]}"#)
        }
    }

    @Test("Accepted launches and callbacks can be read back")
    func readsLaunchesAndCallbacks() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.invalid)", "account": "A1"}"#)
            _ = try await sim.send(.post, "/callControl/supervisor/calls/112231/ScheduleCallback", session: session,
                                   body: #"{"phoneNumber": "4158149720", "date": "1549398063000"}"#)
            #expect(try await sim.send(.get, "/_sim/launches").text == """
                {"launches":[{"acceptedAt":1772481600,"entry":{"account":"A1","phoneNumber":"1234567890",\
                "transactionId":27460618101},"refusedWithCode":899,"serviceId":21429}]}
                """)
            #expect(try await sim.send(.get, "/_sim/callbacks").text == """
                {"callbacks":[{"acceptedAt":1772481600,"request":{"date":"1549398063000","phoneNumber":"4158149720"},"serviceId":112231}]}
                """)
        }
    }

    @Test("Injected latency delays the answer")
    func latency() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try await sim.fault(#"{"kind": "latency", "latencyMilliseconds": 300, "pathPrefix": "/callControl", "count": 1}"#)
            let start = ContinuousClock.now
            #expect(try await sim.send(.get, Self.queuePath, session: session).status == .ok)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            #expect(sim.simulator.faults.isEmpty)
        }
    }

    @Test("An error fault answers its status and body, only on its path and only count times")
    func errorStatusScoped() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try await sim.fault(#"{"kind": "error", "status": 503, "pathPrefix": "/callControl/supervisor/calls/queue", "count": 2}"#)
            let first = try await sim.send(.get, Self.queuePath, session: session)
            #expect(first.status == .serviceUnavailable)
            #expect(first.text == errorBody(.injectedFault, "Injected fault."))
            #expect(try await sim.nonAttempted(session: session) == #"{"nonAttemptedManualCalls":[]}"#)
            #expect(try await sim.send(.get, Self.queuePath, session: session).status == .serviceUnavailable)
            #expect(try await sim.send(.get, Self.queuePath, session: session).status == .ok)
        }
    }

    @Test("An error fault with its own body answers it verbatim")
    func errorWithBody() async throws {
        try await SimulatorHarness.run { sim in
            try await sim.fault(#"{"kind": "error", "status": 502, "body": "{\"code\": 502, \"message\": \"Configuration error\"}"}"#)
            let response = try await sim.send(.post, "/session/login", access: "sim-access-token", body: SimulatorHarness.loginBody())
            #expect(response.status == .badGateway)
            #expect(response.text == #"{"code": 502, "message": "Configuration error"}"#)
        }
    }

    @Test("An error rate of 0 never fires and 1 always fires; 0.5 fires on some of many", arguments: [0.0, 0.5, 1.0])
    func errorRate(rate: Double) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try await sim.fault(#"{"kind": "error", "status": 500, "rate": \#(rate), "method": "GET"}"#)
            var failures = 0
            for _ in 0..<40 {
                if try await sim.send(.get, Self.queuePath, session: session).status == .internalServerError { failures += 1 }
            }
            switch rate {
            case 0: #expect(failures == 0)
            case 1: #expect(failures == 40)
            default: #expect((5...35).contains(failures))
            }
        }
    }

    @Test("A rateLimit fault answers 429 with Retry-After")
    func rateLimit() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try await sim.fault(#"{"kind": "rateLimit", "retryAfterSeconds": 7, "count": 1}"#)
            let response = try await sim.send(.get, Self.queuePath, session: session)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "7")
            #expect(response.text == errorBody(.injectedFault, "Rate limit exceeded."))
        }
    }

    @Test("A malformed fault answers 200 with a body that is not valid JSON")
    func malformed() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try await sim.fault(#"{"kind": "malformed", "pathPrefix": "/callControl"}"#)
            let response = try await sim.send(.get, "/callControl/supervisor/calls/21429/GetNonAttemptedManualCalls", session: session)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect((try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) == nil)
        }
    }

    @Test("A drop fault closes the connection without an answer; afterHandling still applies the launch")
    func drop() async throws {
        let simulator = try LiveVoxSimulator(configuration: .init(randomSeed: 1), clock: SimulatorClock(frozenAt: Instant.afternoon),
                                             logger: SimulatorHarness.logger)
        let running = try await simulator.start()
        let session = try await TestClient.withClient(host: running.host, port: running.port) { client in
            try await SimulatorHarness(simulator: simulator, client: client).login()
        }
        try simulator.addFault(FaultRule(kind: .drop, pathPrefix: "/callControl", count: 1, afterHandling: true))
        await #expect(throws: (any Error).self) {
            try await TestClient.withClient(host: running.host, port: running.port) { client in
                try await SimulatorHarness(simulator: simulator, client: client)
                    .launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.first)"}"#)
            }
        }
        #expect(simulator.launches.count == 1)
        let after = try await TestClient.withClient(host: running.host, port: running.port) { client in
            try await SimulatorHarness(simulator: simulator, client: client).stats(session: session)
        }
        #expect(after == WorldTests.stats(available: 5, toBeLaunched: 1, inProgress: 0))
        await running.shutdown()
    }

    @Test("Faults can be listed, removed one by one and cleared; unusable rules are refused")
    func manageFaults() async throws {
        try await SimulatorHarness.run { sim in
            let added = try await sim.send(.post, "/_sim/faults", body: #"{"kind": "error", "status": 500, "count": 3}"#)
            #expect(added.text == #"{"count":3,"id":1,"kind":"error","status":500}"#)
            try await sim.fault(#"{"kind": "drop"}"#)
            #expect(try await sim.send(.get, "/_sim/faults").text == #"{"faults":[{"count":3,"id":1,"kind":"error","status":500},{"id":2,"kind":"drop"}]}"#)
            #expect(try await sim.send(.delete, "/_sim/faults/1").status == .noContent)
            #expect(try await sim.send(.delete, "/_sim/faults/1").status == .notFound)
            #expect(try await sim.send(.delete, "/_sim/faults").status == .noContent)
            #expect(sim.simulator.faults.isEmpty)
            let badRate = try await sim.send(.post, "/_sim/faults", body: #"{"kind": "error", "rate": 2}"#)
            #expect(badRate.status == .badRequest)
            #expect(badRate.text == errorBody(.malformedRequest, "The fault rule is not usable: rate must be between 0 and 1."))
            #expect(try await sim.send(.post, "/_sim/faults", body: #"{"kind": "explode"}"#).status == .badRequest)
        }
    }

    @Test("Launch-failure rules can be added, listed, removed one by one and cleared; unusable rules are refused")
    func manageLaunchFailures() async throws {
        try await SimulatorHarness.run { sim in
            let added = try await sim.send(.post, "/_sim/launch-failures",
                                           body: #"{"phoneNumber": "(415) 814-9720", "errorCode": 601, "count": 2}"#)
            #expect(added.status == .created)
            #expect(added.text == #"{"count":2,"errorCode":601,"id":1,"phoneNumber":"4158149720"}"#)
            #expect(try await sim.send(.post, "/_sim/launch-failures",
                                       body: #"{"phoneNumber": "4152057483", "errorCode": 486, "serviceId": 50123}"#).status == .created)
            #expect(try await sim.send(.get, "/_sim/launch-failures").text == """
                {"launchFailures":[{"count":2,"errorCode":601,"id":1,"phoneNumber":"4158149720"},\
                {"errorCode":486,"id":2,"phoneNumber":"4152057483","serviceId":50123}]}
                """)
            #expect(try await sim.send(.delete, "/_sim/launch-failures/1").status == .noContent)
            #expect(try await sim.send(.delete, "/_sim/launch-failures/1").status == .notFound)
            #expect(try await sim.send(.delete, "/_sim/launch-failures").status == .noContent)
            #expect(sim.simulator.launchFailures.isEmpty)
            let unknownCode = try await sim.send(.post, "/_sim/launch-failures", body: #"{"phoneNumber": "4158149720", "errorCode": 500}"#)
            #expect(unknownCode.status == .badRequest)
            #expect(unknownCode.text == errorBody(.malformedRequest, """
                The launch-failure rule is not usable: errorCode 500 is not a non-attempted code; use one of \
                440, 486, 999, 998, 799, 899, 900, 901, 902, 1000, 601, 602, 603, 604, 605, 606, 607, 9999, 9998, 9997.
                """))
            let zeroCount = try await sim.send(.post, "/_sim/launch-failures", body: #"{"phoneNumber": "4158149720", "errorCode": 601, "count": 0}"#)
            #expect(zeroCount.text == errorBody(.malformedRequest, "The launch-failure rule is not usable: count must be at least 1."))
            let noNumber = try await sim.send(.post, "/_sim/launch-failures", body: #"{"phoneNumber": "", "errorCode": 601}"#)
            #expect(noNumber.text == errorBody(.malformedRequest, "The launch-failure rule is not usable: phoneNumber must not be empty."))
            #expect(try await sim.send(.post, "/_sim/launch-failures", body: #"{"errorCode": 601}"#).status == .badRequest)
            #expect(try await sim.send(.put, "/_sim/launch-failures").status == .methodNotAllowed)
        }
    }

    @Test("The clock can be read, set, advanced and resumed over HTTP")
    func clock() async throws {
        try await SimulatorHarness.run { sim in
            #expect(try await sim.send(.get, "/_sim/clock").text == #"{"epochSeconds":1772481600,"frozen":true}"#)
            #expect(try await sim.send(.post, "/_sim/clock", body: #"{"epochSeconds": 1000}"#).text == #"{"epochSeconds":1000,"frozen":true}"#)
            #expect(try await sim.send(.post, "/_sim/clock", body: #"{"advanceSeconds": 5}"#).text == #"{"epochSeconds":1005,"frozen":true}"#)
            _ = try await sim.send(.post, "/_sim/clock", body: #"{"resume": true}"#)
            #expect(sim.simulator.clock.isFrozen == false)
        }
    }

    @Test("A service's configuration and stats can be read, and its agents changed")
    func services() async throws {
        try await SimulatorHarness.run { sim in
            let read = try await sim.send(.post, "/_sim/services/50123", body: #"{"availableAgents": 3, "loggedInAgents": 12}"#)
            #expect(read.text == """
                {"completedCalls":0,"configuration":{"automated":true,"availableAgents":3,"callDurationSeconds":5,\
                "callsOnHold":0,"dialDelaySeconds":1,"id":50123,"loggedInAgents":12},\
                "stats":{"availableAgents":3,"callsInProgress":0,"callsOnHold":0,"callsToBeLaunched":0,"maxAgents":12}}
                """)
            #expect(try await sim.send(.get, "/_sim/services/4").status == .notFound)
        }
    }

    @Test("Reset forgets sessions, queues, records, faults and transaction ids")
    func reset() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.invalid)"}"#)
            try await sim.fault(#"{"kind": "latency", "latencyMilliseconds": 1, "pathPrefix": "/nowhere"}"#)
            #expect(try await sim.send(.post, "/_sim/reset").status == .noContent)
            #expect(sim.simulator.requests.isEmpty)
            #expect(sim.simulator.launches.isEmpty)
            #expect(sim.simulator.faults.isEmpty)
            #expect(try await sim.send(.get, Self.queuePath, session: session).status == .unauthorized)
            let fresh = try await sim.login()
            #expect(try await sim.nonAttempted(session: fresh) == #"{"nonAttemptedManualCalls":[]}"#)
            _ = try await sim.launch(session: fresh, entries: #"{"phoneNumber": "\#(Numbers.first)"}"#)
            #expect(sim.simulator.launches.map(\.entry.transactionId) == [27_460_618_101])
        }
    }
}
