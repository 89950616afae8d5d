import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import LiveVoxSimulator

@Suite("Nothing a client sends produces a 500")
struct RobustnessTests {
    @Test("Malformed or wrong-shaped bodies answer 400 with a LiveVox body", arguments: [
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", "{"),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", ""),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", "[]"),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", #"{"callEntry": []}"#),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", #"{"callEntry": [{"account": "1"}]}"#),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", #"{"callEntry": [{"phoneNumber": 4152057483}]}"#),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", #"{"callEntry": [{"phoneNumber": "4152057483", "dialingTimeout": "1.5"}]}"#),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", #"{"callEntry": [{"phoneNumber": "4152057483", "transactionId": "99999999999999999999"}]}"#),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", String(repeating: "[", count: 10_000)),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", "\u{FF}\u{FE}"),
        ("/callControl/supervisor/calls/112231/ScheduleCallback", #"{"phoneNumber": ""}"#),
        ("/callControl/supervisor/calls/112231/ScheduleCallback", #"{"phoneNumber": "4158149720", "date": "tomorrow"}"#),
        ("/callControl/supervisor/calls/112231/ScheduleCallback", "null"),
    ])
    func malformedBodies(path: String, body: String) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(.post, path, session: session, body: body)
            #expect(response.status == .badRequest)
            let decoded = try JSONDecoder().decode(LiveVoxErrorBodyProbe.self, from: Data(response.text.utf8))
            #expect(decoded.code == SimulatorErrorCode.malformedRequest.rawValue)
            #expect(sim.simulator.launches.isEmpty)
            #expect(sim.simulator.callbacks.isEmpty)
        }
    }

    @Test("Malformed login bodies answer 400", arguments: ["", "{", #"{"clientName": "SIM"}"#, #"{"clientName": 1, "userName": "u", "password": "p"}"#])
    func malformedLogin(body: String) async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.post, "/session/login", access: "sim-access-token", body: body)
            #expect(response.status == .badRequest)
        }
    }

    @Test("Unknown paths answer 404 and wrong methods 405, both with LiveVox bodies", arguments: [
        (HTTPRequest.Method.get, "/", 404), (.get, "/nothing/here", 404), (.get, "/callControl/supervisor/calls", 404),
        (.put, "/session/login", 405), (.delete, "/callControl/supervisor/calls/queue/21429", 405),
        (.get, "/callControl/supervisor/calls/21429/ScheduleCallback", 405), (.get, "/_sim/nothing", 404),
        (.get, "/session/validate/%ZZ", 404), (.get, "//session//login", 405),
    ])
    func unknownPaths(method: HTTPRequest.Method, path: String, status: Int) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.send(method, path, session: session)
            #expect(response.status.code == status)
            #expect(try JSONDecoder().decode(LiveVoxErrorBodyProbe.self, from: Data(response.text.utf8)).message != nil)
        }
    }

    @Test("A body larger than the simulator reads answers 413")
    func bodyTooLarge() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let response = try await sim.launch(session: session, entries: String(repeating: " ", count: 2 << 20))
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test("Control bodies that are malformed answer 400", arguments: [
        ("/_sim/faults", "{"), ("/_sim/clock", "[1]"), ("/_sim/services/21429", #"{"availableAgents": "many"}"#),
    ])
    func malformedControl(path: String, body: String) async throws {
        try await SimulatorHarness.run { sim in
            let response = try await sim.send(.post, path, body: body)
            #expect(response.status == .badRequest)
        }
    }
}

private struct LiveVoxErrorBodyProbe: Decodable {
    var code: Int?
    var message: String?
}
