import Foundation

/// Which client address a request has: the socket's peer, unless the peer is a trusted proxy, in
/// which case the address the proxies forwarded.
///
/// The forwarded chain is read right to left, as nginx's `real_ip_recursive` and Envoy's
/// `xff_num_trusted_hops` do: each proxy appends the address it received from, so the right-most
/// entry that is not itself a trusted proxy is the first one no trusted party vouches for, the
/// client. Entries to its left were written by the client and are ignored. When every entry is a
/// trusted proxy, the left-most is the client.
///
/// `X-Forwarded-For` is read when present, else `Forwarded` (RFC 7239, its `for=` parameters):
/// nginx, HAProxy, cloud load balancers and Kubernetes ingresses write `X-Forwarded-For`, and a
/// header the proxy does not write passes through as the client sent it, so the header every common
/// proxy appends to is the one believed first. A value that is not a list of addresses (`unknown`,
/// an obfuscated `_node`, garbage) gives the socket's peer: a bad header never makes up an address.
struct TrustedProxies: Sendable {
    let ranges: [IPAddressRange]

    /// The client address of a request whose socket peer is `peer`, whose headers `header` reads.
    func clientAddress(peer: String?, header: (String) -> String?) -> String? {
        guard !ranges.isEmpty, let peer, let peerAddress = IPAddress(peer), isTrusted(peerAddress) else { return peer }
        let hops: [Substring]?
        if let forwardedFor = header("x-forwarded-for") {
            hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces)[...] }
        } else if let forwarded = header("forwarded") {
            hops = Self.forHops(forwarded)
        } else {
            return peer
        }
        guard let hops, !hops.isEmpty else { return peer }
        var client: Substring?
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { return peer }
            client = hop
            if !isTrusted(address) { break }
        }
        return client.map(String.init) ?? peer
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        ranges.contains { $0.contains(address) }
    }

    /// The `for=` values of a `Forwarded` header, in order, without quotes, brackets or ports; nil
    /// when an element has none or one cannot be read.
    static func forHops(_ header: String) -> [Substring]? {
        var hops: [Substring] = []
        for element in header.split(separator: ",") {
            guard let pair = element.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces)[...] })
                .first(where: { $0.lowercased().hasPrefix("for=") }) else { return nil }
            var value = pair.dropFirst(4)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            if value.hasPrefix("[") {
                // `[2001:db8::1]` or `[2001:db8::1]:4711`.
                guard let close = value.firstIndex(of: "]") else { return nil }
                value = value[value.index(after: value.startIndex)..<close]
            } else if let colon = value.firstIndex(of: ":"), value.lastIndex(of: ":") == colon {
                // `192.0.2.1:4711`: an IPv4 address with a port.
                value = value[..<colon]
            }
            hops.append(value)
        }
        return hops
    }
}
