import CallGateCore
import CurlTransport
import Foundation
import Logging
import Testing

@testable import CallGate

@Suite("callgate serve over real HTTP", .serialized)
struct ServeTests {
    @Test("The assembled service answers over HTTP on the embedded simulator and stops when cancelled")
    func servesOverHTTP() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-serve-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var file = KeysFile()
        let key = try file.create(name: "ops", role: .manager, services: nil, agentLoginId: nil)
        try file.save(path: directory + "/keys.yaml")

        var settings = try await GatewaySettings.read(flags: [
            "port": "0", "keysFile": directory + "/keys.yaml", "store": "sqlite:\(directory)/callgate.sqlite",
            "audit.keyFile": directory + "/audit.key",
        ], configFile: nil)
        settings.logLevel = .error
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let service = Task {
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: OpenAPIDocument.bytes) { _, port in
                continuation.yield(port)
            }
        }
        defer { service.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let http = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 2))
        let base = "http://127.0.0.1:\(port)"
        let health = try await http.execute(HTTPRequestSpec(method: "GET", url: base + "/healthz", headers: [], body: []))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)

        let queue = try await http.execute(HTTPRequestSpec(
            method: "GET", url: base + "/v1/services/21429/queue",
            headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)")], body: []))
        #expect(queue.status == 200, "\(String(decoding: queue.body, as: UTF8.self))")
        let stats = try JSONParser.parse(queue.body)
        #expect(stats["serviceId"] == .integer(21429))
        #expect(queue.headers.contains { $0.name.lowercased() == "x-request-id" })

        let refused = try await http.execute(HTTPRequestSpec(
            method: "POST", url: base + "/v1/services/21429/manual-calls",
            headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)"),
                      HTTPHeaderField(name: "Content-Type", value: "application/json")],
            body: Array(#"{"calls": [{"phone": "555"}]}"#.utf8)))
        #expect(refused.status == 422)
        #expect(refused.headers.first { $0.name.lowercased() == "content-type" }?.value == "application/problem+json")

        // Over the 1 MiB default limit: 413 from the real HTTP server's body reader.
        let large = try await http.execute(HTTPRequestSpec(
            method: "POST", url: base + "/v1/services/21429/manual-calls",
            headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)"),
                      HTTPHeaderField(name: "Content-Type", value: "application/json")],
            body: Array("{\"calls\": [".utf8) + Array(repeating: UInt8(ascii: " "), count: 1 << 20) + Array("]}".utf8)))
        #expect(large.status == 413)
        #expect(try JSONParser.parse(large.body)["code"] == .string("body_too_large"))

        await http.shutdown(gracePeriod: .seconds(1))
        service.cancel()
        _ = await service.result
    }
}
