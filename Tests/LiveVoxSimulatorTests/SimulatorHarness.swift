import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import LiveVoxSimulator

/// Instants the tests freeze the clock at.
enum Instant {
    /// 2026-03-02T20:00:00Z: 15:00 in New York, 12:00 in San Francisco, 10:00 in Honolulu.
    static let afternoon: Double = 1_772_481_600
    /// 2026-03-02T05:00:00Z: 21:00 in San Francisco (PST), when its window has closed.
    static let pacificNine: Double = 1_772_427_600
}

/// Numbers from the reference's examples (San Francisco area codes), and one that is not a number.
enum Numbers {
    static let first = "4152057483"
    static let second = "4086462133"
    static let third = "4157667320"
    static let callback = "4158149720"
    static let invalid = "1234567890"
}

/// A simulator served live on 127.0.0.1 with port 0, a logged-in session, and helpers that speak
/// its wire protocol; every test starts its own.
struct SimulatorHarness: Sendable {
    /// One answer, whichever client carried it.
    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        /// The body as text.
        var text: String { String(buffer: body) }
    }

    typealias Transport = @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws -> Reply

    let simulator: LiveVoxSimulator
    let transport: Transport

    /// Speaks through Hummingbird's testing client (`app.test(.live)`).
    init(simulator: LiveVoxSimulator, client: any TestClientProtocol) {
        self.simulator = simulator
        self.transport = { uri, method, headers, body in
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            return Reply(status: response.status, headers: response.headers, body: response.body)
        }
    }

    /// Speaks through a raw `TestClient` connected to a simulator started with `start()`.
    init(simulator: LiveVoxSimulator, client: TestClient) {
        self.simulator = simulator
        self.transport = { uri, method, headers, body in
            let response = try await client.execute(.init(uri, method: method, authority: "localhost", headers: headers, body: body))
            return Reply(status: response.status, headers: response.headers, body: response.body ?? ByteBuffer())
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "LiveVoxSimulatorTests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` against a live simulator whose clock is frozen at `now`.
    static func run(
        configuration: SimulatorConfiguration = SimulatorConfiguration(randomSeed: 7),
        now: Double = Instant.afternoon,
        _ body: @Sendable (SimulatorHarness) async throws -> Void
    ) async throws {
        let simulator = try LiveVoxSimulator(configuration: configuration, clock: SimulatorClock(frozenAt: now), logger: logger)
        try await simulator.application().test(.live) { client in
            try await body(SimulatorHarness(simulator: simulator, client: client))
        }
    }

    /// Sends a request; `body` is sent verbatim.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, session: String? = nil, access: String? = nil,
              body: String? = nil) async throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json"]
        if let session { headers[HTTPField.Name("LV-Session")!] = session }
        if let access { headers[HTTPField.Name("LV-Access")!] = access }
        return try await transport(uri, method, headers, body.map { ByteBuffer(string: $0) })
    }

    /// Logs in with the default credentials and returns the session id.
    func login(path: String = "/session/login") async throws -> String {
        let response = try await send(.post, path, access: SimulatorConfiguration.defaultAccessToken,
                                      body: Self.loginBody())
        guard response.status == .ok else { throw HarnessError.unexpected(response.status.code, response.text) }
        return try JSONDecoder().decode(LoginResponseProbe.self, from: Data(response.text.utf8)).sessionId
    }

    static func loginBody(clientName: String = "SIM", userName: String = "sim-user", password: String = "sim-password") -> String {
        #"{"clientName": "\#(clientName)", "userName": "\#(userName)", "password": "\#(password)", "agent": false}"#
    }

    /// Adds a fault through the control endpoint.
    func fault(_ json: String) async throws {
        let response = try await send(.post, "/_sim/faults", body: json)
        guard response.status == .created else { throw HarnessError.unexpected(response.status.code, response.text) }
    }

    /// Launches calls on a service and returns the status code.
    func launch(_ service: Int64 = 21429, session: String, entries: String) async throws -> Reply {
        try await send(.post, "/callControl/supervisor/calls/\(service)/LaunchManualCalls", session: session,
                       body: #"{"callEntry": [\#(entries)]}"#)
    }

    /// Reads a service's queue stats as text.
    func stats(_ service: Int64 = 21429, session: String) async throws -> String {
        try await send(.get, "/callControl/supervisor/calls/queue/\(service)", session: session).text
    }

    /// Reads a service's non-attempted calls as text.
    func nonAttempted(_ service: Int64 = 21429, session: String) async throws -> String {
        try await send(.get, "/callControl/supervisor/calls/\(service)/GetNonAttemptedManualCalls", session: session).text
    }
}

private struct LoginResponseProbe: Decodable { var sessionId: String }

enum HarnessError: Error {
    case unexpected(Int, String)
}

/// A LiveVox-style error body as the simulator writes it (keys sorted).
func errorBody(_ code: SimulatorErrorCode, _ message: String) -> String {
    #"{"code":\#(code.rawValue),"message":"\#(message)"}"#
}
