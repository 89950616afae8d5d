import Foundation
import Logging
import TLSTestSupport

@testable import CallGate

/// `callgate serve` in this process on a loopback port, with a keys file and an audit store in the
/// certificates' directory and `flags` on top; stopped by ``stop()``.
struct TLSTestServer {
    let port: Int
    let task: Task<Void, any Error>

    static func start(_ flags: [String: String], in directory: String) async throws -> TLSTestServer {
        var settings = try await GatewaySettings.read(flags: [
            "port": "0", "keysFile": directory + "/keys.yaml", "store": "sqlite:\(directory)/callgate.sqlite",
            "audit.keyFile": directory + "/audit.key",
            // Not the subject here, and the suite runs at any hour.
            "callingProfile": "off",
        ].merging(flags) { $1 }, configFile: nil)
        settings.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let task = Task {
            defer { continuation.finish() }
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: OpenAPIDocument.bytes) { _, port in
                continuation.yield(port)
            }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            task.cancel()
            throw TLSFilesError("the test server did not start")
        }
        return TLSTestServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

extension TLSTestCertificates {
    /// `callgate serve` on HTTPS with `server.pem` and `server.key`, `flags` on top; with an empty
    /// keys file unless the test wrote one.
    func serveHTTPS(_ flags: [String: String] = [:]) async throws -> TLSTestServer {
        if !FileManager.default.fileExists(atPath: path("keys.yaml")) { try KeysFile().save(path: path("keys.yaml")) }
        return try await TLSTestServer.start(
            ["tls.certFile": path("server.pem"), "tls.keyFile": path("server.key")].merging(flags) { $1 }, in: directory)
    }
}
