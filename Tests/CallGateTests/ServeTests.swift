import CallGateCore
import CurlTransport
import Foundation
import Testing

@testable import CallGate

@Suite("callgate serve over real HTTP", .serialized)
struct ServeTests {
    @Test("The assembled service answers over HTTP on the embedded simulator and stops when cancelled")
    func servesOverHTTP() async throws {
        let served = try await ServedGateway.start(roles: ["ops": .manager])
        defer { served.service.cancel() }
        let key = served.keys["ops"]!
        let http = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 2))
        let base = served.base
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
        await served.stop()
    }
}
