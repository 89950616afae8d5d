import Foundation
import Testing

@testable import CallGate

@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("openapi/callgate.yaml")

    @Test("The embedded document is the committed openapi/callgate.yaml, byte for byte")
    func embedded() throws {
        #expect(OpenAPIDocument.bytes == Array(try Data(contentsOf: Self.committed)))
    }

    @Test("GET /openapi.yaml serves the committed file's bytes, with no key")
    func served() async throws {
        let file = Array(try Data(contentsOf: Self.committed))
        try await withGateway { gateway in
            let answer = await gateway.send("GET", "/openapi.yaml")
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "application/yaml")
            #expect(answer.body == file)
        }
    }
}
