import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import LiveVoxSimulator

@Suite("Starting in-process")
struct StartTests {
    @Test("Starting on port 0 reports the real port, serves on it, and stops on shutdown")
    func startsOnPortZero() async throws {
        let running = try await LiveVoxSimulator.start(configuration: .init(randomSeed: 3), logger: SimulatorHarness.logger)
        #expect(running.port > 0)
        #expect(running.baseURL == "http://127.0.0.1:\(running.port)")
        let session = try await TestClient.withClient(host: running.host, port: running.port) { client in
            try await SimulatorHarness(simulator: running.simulator, client: client).login()
        }
        #expect(session.count == 36)
        await running.shutdown()
        await #expect(throws: (any Error).self) {
            try await TestClient.withClient(host: running.host, port: running.port) { client in
                try await SimulatorHarness(simulator: running.simulator, client: client).login()
            }
        }
    }

    @Test("Two simulators started on port 0 get different ports")
    func twoSimulators() async throws {
        let first = try await LiveVoxSimulator.start(logger: SimulatorHarness.logger)
        let second = try await LiveVoxSimulator.start(logger: SimulatorHarness.logger)
        #expect(first.port != second.port)
        await first.shutdown()
        await second.shutdown()
    }

    @Test("Starting on a port that is taken throws instead of hanging")
    func portTaken() async throws {
        let first = try await LiveVoxSimulator.start(logger: SimulatorHarness.logger)
        await #expect(throws: (any Error).self) {
            _ = try await LiveVoxSimulator.start(port: first.port, logger: SimulatorHarness.logger)
        }
        await first.shutdown()
    }

    @Test("An unknown timeOfFailure zone is refused at creation")
    func unknownZone() {
        #expect(throws: SimulatorSetupError.unknownTimeZone("Mars/Olympus")) {
            _ = try LiveVoxSimulator(configuration: .init(timeOfFailureZone: "Mars/Olympus"), logger: SimulatorHarness.logger)
        }
    }
}
