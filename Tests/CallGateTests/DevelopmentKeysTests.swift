import CallGateCore
import Testing

@testable import CallGate

@Suite("The development keys banner")
struct DevelopmentKeysTests {
    let created = [DevelopmentKeys.Created(name: "dev-manager", role: .manager, key: "cgk_manager"),
                   DevelopmentKeys.Created(name: "dev-agent", role: .agent, key: "cgk_agent")]

    @Test("Its examples call the server by the scheme it serves, and bracket an IPv6 host")
    func scheme() {
        let plain = DevelopmentKeys.banner(created, keysFile: "data/keys.yaml", scheme: "http", host: "127.0.0.1", port: 8080)
        #expect(plain.contains("curl -s http://127.0.0.1:8080/v1/services/21429/queue -H 'Authorization: Bearer cgk_manager'"))
        let tls = DevelopmentKeys.banner(created, keysFile: "data/keys.yaml", scheme: "https", host: "::1", port: 8443)
        #expect(tls.contains("curl -s https://[::1]:8443/v1/services/112231/callbacks -H 'Authorization: Bearer cgk_agent'"))
        #expect(!tls.contains("http://"))
    }
}
