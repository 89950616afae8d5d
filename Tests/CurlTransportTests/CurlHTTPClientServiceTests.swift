import CurlTransport
import Logging
import ServiceLifecycle
import Testing

@Suite("CurlHTTPClient as a swift-service-lifecycle Service")
struct CurlHTTPClientServiceTests {
    @Test("A graceful shutdown of the service group drains the client and then refuses requests")
    func gracefulShutdown() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init(shutdownGracePeriod: .seconds(5)))
            let group = ServiceGroup(services: [client], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let slow = Task { try await client.execute(HTTPRequestSpec(url: server.url("/slow?ms=300"))).status }
                try await server.waitForRequests(1)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(try await slow.value == 200)
            }
            let refused = await #expect(throws: CurlTransportError.self) {
                try await client.execute(HTTPRequestSpec(url: server.url("/hello")))
            }
            #expect(refused?.code == .shutdown)
            #expect(refused?.requestNeverSent == true)
        }
    }
}
