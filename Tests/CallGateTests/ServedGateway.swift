import CallGateCore
import Foundation
import Logging

@testable import CallGate

/// `callgate serve` assembled in this process (``CallGateService/run``) on a loopback port, on the
/// embedded simulator, with a keys file, an audit key and a SQLite store in a temporary directory.
struct ServedGateway {
    let directory: String
    let port: Int
    let service: Task<Void, any Error>
    /// The key of each principal given to ``start(roles:)``, by name.
    let keys: [String: String]

    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the service with one key per `roles` entry (name and role, every service), `flags` (by
    /// config key) over the defaults here, and the gateway's clock.
    static func start(roles: [String: LiveVoxRole], flags: [String: String] = [:],
                      clock: GatewayClock = .system) async throws -> ServedGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-serve-\(UUID().uuidString)").path
        var file = KeysFile()
        var keys: [String: String] = [:]
        for (name, role) in roles { keys[name] = try file.create(name: name, role: role, services: nil, agentLoginId: nil) }
        try file.save(path: directory + "/keys.yaml")
        var settings = try await GatewaySettings.read(flags: [
            "port": "0", "keysFile": directory + "/keys.yaml", "store": "sqlite:\(directory)/callgate.sqlite",
            "audit.keyFile": directory + "/audit.key",
            // Not the subject here, and the suite runs at any hour.
            "callingProfile": "off",
        ].merging(flags) { $1 }, configFile: nil)
        settings.logLevel = .error
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let service = Task {
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: OpenAPIDocument.bytes, clock: clock) { _, port in
                continuation.yield(port)
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            service.cancel()
            throw CancellationError()
        }
        return ServedGateway(directory: directory, port: port, service: service, keys: keys)
    }

    /// Stops the service and removes its directory.
    func stop() async {
        service.cancel()
        _ = await service.result
        try? FileManager.default.removeItem(atPath: directory)
    }
}
