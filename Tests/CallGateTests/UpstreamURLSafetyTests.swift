import Testing

@testable import CallGate

@Suite("Which http:// upstreams serve accepts without --upstream-allow-insecure-http")
struct UpstreamURLSafetyTests {
    @Test("Loopback hosts and https:// are accepted; any other http:// host is named", arguments: [
        ("http://127.0.0.1:8081", nil),
        ("http://127.8.9.10/api", nil),
        ("http://localhost:9000", nil),
        ("HTTP://LOCALHOST", nil),
        ("http://[::1]:8081/x", nil),
        ("https://10.1.2.3", nil),
        ("http://10.1.2.3", "10.1.2.3"),
        ("http://user:pw@10.1.2.3:80/a", "10.1.2.3"),
        ("http://127.0.0.1.example.com/", "127.0.0.1.example.com"),
        ("http://[::2]:8081", "::2"),
        ("http://livevox.example?x=127.0.0.1", "livevox.example"),
    ] as [(String, String?)])
    func insecureHost(url: String, host: String?) {
        #expect(GatewaySettings.insecureHost(url) == host)
    }

    @Test("IPAddress.isLoopback: 127.0.0.0/8 and ::1, in any of their written forms", arguments: [
        ("127.0.0.1", true), ("127.255.255.254", true), ("::1", true), ("0:0:0:0:0:0:0:1", true), ("::ffff:127.0.0.1", true),
        ("128.0.0.1", false), ("126.255.255.255", false), ("::", false), ("::2", false), ("fe80::1", false),
    ])
    func loopback(text: String, isLoopback: Bool) {
        #expect(IPAddress(text)?.isLoopback == isLoopback)
    }
}
