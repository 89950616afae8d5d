import Testing

@testable import CallGate

@Suite("Client addresses behind trusted proxies")
struct TrustedProxiesTests {
    static let proxies = TrustedProxies(ranges: ["10.0.0.0/8", "2001:db8:ffff::/48", "192.168.1.1"].map { IPAddressRange($0)! })

    @Test("the client address is the socket's unless a trusted proxy forwarded it; then the right-most hop that is not a trusted proxy", arguments: [
        // (socket peer, X-Forwarded-For, Forwarded, client address)
        ("203.0.113.5", "198.51.100.1", nil, "203.0.113.5"),  // an untrusted peer's headers are ignored
        ("10.0.0.2", nil, nil, "10.0.0.2"),  // a proxy that forwarded nothing
        ("10.0.0.2", "198.51.100.1, 203.0.113.7", nil, "203.0.113.7"),  // the left hop was written by the client
        ("10.0.0.2", "198.51.100.1,203.0.113.7, 10.1.2.3", nil, "203.0.113.7"),  // right-most untrusted hop
        ("10.0.0.2", "10.9.9.9, 192.168.1.1", nil, "10.9.9.9"),  // every hop trusted: the left-most
        ("10.0.0.2", "203.0.113.7, not-an-address", nil, "10.0.0.2"),  // malformed: the socket's
        ("10.0.0.2", "", nil, "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7:8080", nil, "10.0.0.2"),  // X-Forwarded-For carries addresses, not ports
        ("2001:db8:ffff::1", "2001:db8:1::5", nil, "2001:db8:1::5"),  // IPv6 proxy and client
        ("::ffff:10.0.0.2", "203.0.113.7", nil, "203.0.113.7"),  // an IPv4-mapped peer is its IPv4 address
        ("10.0.0.2", nil, #"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711""#, "2001:db8:cafe::17"),
        ("10.0.0.2", nil, #"for="192.0.2.1:8080""#, "192.0.2.1"),
        ("10.0.0.2", nil, "for=unknown", "10.0.0.2"),  // RFC 7239's unknown: the socket's
        ("10.0.0.2", nil, "proto=https", "10.0.0.2"),  // an element without for=
        ("10.0.0.2", nil, #"for="[2001:db8::1""#, "10.0.0.2"),  // an unclosed bracket
        ("10.0.0.2", "203.0.113.7", "for=198.51.100.9", "203.0.113.7"),  // X-Forwarded-For is preferred
    ] as [(String, String?, String?, String)])
    func resolution(peer: String, forwardedFor: String?, forwarded: String?, client: String) {
        let headers = ["x-forwarded-for": forwardedFor, "forwarded": forwarded].compactMapValues { $0 }
        #expect(Self.proxies.clientAddress(peer: peer, header: { headers[$0] }) == client)
    }

    @Test("without trusted proxies, or without a socket address, the headers are never read")
    func noProxies() {
        let none = TrustedProxies(ranges: [])
        #expect(none.clientAddress(peer: "10.0.0.2", header: { _ in "203.0.113.7" }) == "10.0.0.2")
        #expect(Self.proxies.clientAddress(peer: nil, header: { _ in "203.0.113.7" }) == nil)
    }

    @Test("CIDR blocks: the prefix is checked against the family, host bits are cleared, IPv4 and IPv6 never overlap", arguments: [
        ("10.1.2.3/8", "10.200.0.1", true), ("10.1.2.3/8", "11.0.0.1", false), ("0.0.0.0/0", "203.0.113.1", true),
        ("0.0.0.0/0", "2001:db8::1", false), ("2001:db8::/32", "2001:db8:ffff::1", true), ("2001:db8::/32", "2001:db9::1", false),
        ("fe80::1", "fe80::1%eth0", true), ("192.168.1.1", "192.168.1.2", false), ("::/0", "10.0.0.1", true),
    ])
    func ranges(range: String, address: String, contained: Bool) throws {
        let block = try #require(IPAddressRange(range))
        #expect(block.contains(try #require(IPAddress(address))) == contained)
    }

    @Test("a CIDR that is not one is refused", arguments: ["10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0/8", "host.example", "", "10.0.0.0/-1"])
    func badRanges(text: String) {
        #expect(IPAddressRange(text) == nil)
    }

    @Test("--trusted-proxies reads a list of CIDRs and names one that is not")
    func setting() throws {
        let value = SettingValue<[IPAddressRange]>.addressRanges
        #expect(try value.parse("10.0.0.0/8, fd00::/8").map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        do {
            _ = try value.parse("10.0.0.0/8,10.0.0.300")
            Issue.record("10.0.0.300 was accepted")
        } catch {
            #expect(error.tail == "names '10.0.0.300', which is not an IPv4 or IPv6 address or CIDR block such as 10.0.0.0/8.")
        }
    }
}
