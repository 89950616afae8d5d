import CallGateCore
import CurlTransport
import Foundation
import LiveVoxClient
import LiveVoxSimulator
import Logging
import Synchronization

@testable import CallGate

/// A gateway wired as in production — the real simulator on a loopback port, the real curl
/// transport, the real LiveVox client and a keys file in a temporary directory — driven through
/// ``Gateway/respond(to:)``.
final class GatewayHarness: Sendable {
    let simulator: RunningSimulator
    let curl: CurlHTTPClient
    let gateway: Gateway
    let directory: String
    /// The key of each named principal: `sysadmin`, `superuser`, `manager`, `agent`, `scoped` (Manager on 21429 only),
    /// `scoped-sysadmin`, `scoped-superuser`, `scoped-agent` (on 21429 only),
    /// `limited` (Manager, 0.5 requests per second in bursts of 2).
    let keys: [String: String]

    static let now: Int64 = 1_780_315_200_000  // 2026-06-01T12:00:00Z

    init(maxBodyBytes: Int = 1 << 20, maxBatchSize: Int = 1000, audit: AuditTrail? = nil,
         metrics: GatewayMetrics? = nil, exposition: (@Sendable () -> [UInt8])? = nil,
         defaultRateLimit: RateLimit? = nil, jwt: JWTAuthenticator? = nil,
         webhooks: WebhookSourceStore? = nil, authFailureLimitPerMinute: Int = 30,
         trustedProxies: [IPAddressRange] = [], webhookMaxBodyBytes: Int = 262_144,
         // Off unless a test's subject is the calling windows: the harness's fixed instant
         // (12:00Z, 05:00 in California) is outside them for much of the country.
         callingWindows: CallingWindowGate = .builtIn(profile: .off),
         nowMillis: @escaping @Sendable () -> Int64 = { GatewayHarness.now }) async throws {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        simulator = try await LiveVoxSimulator.start(configuration: SimulatorConfiguration(), logger: logger)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-gw-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var file = KeysFile()
        var keys: [String: String] = [:]
        keys["sysadmin"] = try file.create(name: "sysadmin", role: .sysadmin, services: nil, agentLoginId: nil)
        keys["superuser"] = try file.create(name: "superuser", role: .superuser, services: nil, agentLoginId: nil)
        keys["manager"] = try file.create(name: "manager", role: .manager, services: nil, agentLoginId: nil)
        keys["agent"] = try file.create(name: "agent", role: .agent, services: nil, agentLoginId: "agent007")
        keys["scoped"] = try file.create(name: "scoped", role: .manager, services: [21429], agentLoginId: nil)
        keys["scoped-sysadmin"] = try file.create(name: "scoped-sysadmin", role: .sysadmin, services: [21429], agentLoginId: nil)
        keys["scoped-superuser"] = try file.create(name: "scoped-superuser", role: .superuser, services: [21429], agentLoginId: nil)
        keys["scoped-agent"] = try file.create(name: "scoped-agent", role: .agent, services: [21429], agentLoginId: "agent008")
        keys["limited"] = try file.create(name: "limited", role: .manager, services: nil, agentLoginId: nil,
                                          rateLimit: RateLimit(requestsPerSecond: 0.5, burst: 2))
        self.keys = keys
        let path = directory + "/keys.yaml"
        try file.save(path: path)
        curl = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 8))
        let sim = SimulatorConfiguration()
        let client = LiveVoxClient(
            configuration: LiveVoxClientConfiguration(
                baseURL: simulator.baseURL, accessToken: sim.accessToken,
                credentials: LoginRequest(clientName: sim.clientName, userName: sim.userName, password: sim.password)),
            transport: curl, logger: logger)
        gateway = Gateway(
            configuration: .init(maxBodyBytes: maxBodyBytes, validator: RequestValidator(maxBatchSize: maxBatchSize),
                                 openAPIDocument: OpenAPIDocument.bytes, defaultRateLimit: defaultRateLimit,
                                 webhookMaxBodyBytes: webhookMaxBodyBytes, authFailureLimitPerMinute: authFailureLimitPerMinute,
                                 trustedProxies: trustedProxies, callingWindows: callingWindows),
            keys: try APIKeyStore(path: path), jwt: jwt, webhooks: webhooks, client: client, audit: audit, metrics: metrics, exposition: exposition,
            readiness: { .init(isReady: true, detail: "ready") },
            nowMillis: nowMillis, logger: logger)
    }

    func shutdown() async {
        await curl.shutdown(gracePeriod: .seconds(1))
        await simulator.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends one request through the pipeline, from the socket address `peer`.
    func send(_ method: String, _ target: String, key: String? = nil, headers: [String: String] = [:],
              body: String? = nil, contentType: String? = "application/json", peer: String? = nil) async -> Answer {
        var headers = headers
        if let key { headers["authorization"] = "Bearer \(keys[key] ?? key)" }
        if body != nil, let contentType { headers["content-type"] = contentType }
        let parts = target.split(separator: "?", maxSplits: 1)
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        let bytes = Array((body ?? "").utf8)
        let request = GatewayRequest(
            method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
            header: { lowered[$0] },
            readBody: { limit in
                if bytes.count > limit { throw BodyTooLarge() }
                return bytes
            }, clientAddress: peer)
        var response = await gateway.respond(to: request)
        if let stream = response.stream {
            // A streamed body (exports) is collected whole here, piece by piece as the server would send it.
            let collector = BodyCollector()
            do { try await stream(collector) } catch { collector.failed.withLock { $0 = true } }
            response.body = collector.bytes.withLock { $0 }
            response.stream = nil
            if collector.failed.withLock({ $0 }) { response.status = -1 }
        }
        return Answer(response)
    }

    /// A response, with its JSON body parsed.
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        let json: JSONValue?

        init(_ response: GatewayResponse) {
            status = response.status
            headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
            body = response.body
            json = try? JSONParser.parse(response.body)
        }

        var code: String? {
            if case .string(let code)? = json?["code"] { return code }
            return nil
        }

        var text: String { String(decoding: body, as: UTF8.self) }
    }
}

/// Collects a streamed body and counts its pieces.
final class BodyCollector: GatewayBodyWriter {
    let bytes = Mutex<[UInt8]>([])
    let pieces = Mutex(0)
    let failed = Mutex(false)

    func write(_ bytes: [UInt8]) async throws {
        self.bytes.withLock { $0.append(contentsOf: bytes) }
        pieces.withLock { $0 += 1 }
    }
}

/// Runs `body` with a fresh harness and always shuts it down.
func withGateway<T>(maxBodyBytes: Int = 1 << 20, maxBatchSize: Int = 1000, authFailureLimitPerMinute: Int = 30,
                    callingWindows: CallingWindowGate = .builtIn(profile: .off),
                    nowMillis: @escaping @Sendable () -> Int64 = { GatewayHarness.now },
                    _ body: (GatewayHarness) async throws -> T) async throws -> T {
    let harness = try await GatewayHarness(maxBodyBytes: maxBodyBytes, maxBatchSize: maxBatchSize,
                                           authFailureLimitPerMinute: authFailureLimitPerMinute,
                                           callingWindows: callingWindows, nowMillis: nowMillis)
    do {
        let result = try await body(harness)
        await harness.shutdown()
        return result
    } catch {
        await harness.shutdown()
        throw error
    }
}
