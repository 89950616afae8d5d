#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits, an IPv4 address held as its IPv4-mapped IPv6 form
/// (`::ffff:a.b.c.d`), so that one comparison serves both families.
public struct IPAddress: Hashable, Sendable {
    /// The first 64 bits, most significant first.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// Whether the address is an IPv4 address (IPv4-mapped).
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// Whether the address is a loopback address: in 127.0.0.0/8, or `::1`.
    public var isLoopback: Bool { (isIPv4 && low >> 24 & 0xFF == 127) || (high == 0 && low == 1) }

    /// The address of `text`: dotted IPv4 (`192.0.2.1`) or IPv6 in any RFC 4291 form
    /// (`2001:db8::1`, `::ffff:192.0.2.1`), an IPv6 zone (`%eth0`) ignored; nil for anything else.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        var bytes = (UInt64(0), UInt64(0))
        let parsed = withUnsafeMutableBytes(of: &bytes) { buffer -> Bool in
            if text.contains(":") { return inet_pton(AF_INET6, text, buffer.baseAddress) == 1 }
            return inet_pton(AF_INET, text, buffer.baseAddress!.advanced(by: 12)) == 1
        }
        guard parsed else { return nil }
        high = UInt64(bigEndian: bytes.0)
        low = UInt64(bigEndian: bytes.1)
        if !text.contains(":") { low |= 0xFFFF << 32 }
    }

    /// The address of 128 bits, most significant first.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The address with all but its first `bits` bits cleared.
    public func masked(to bits: Int) -> IPAddress {
        IPAddress(high: bits >= 64 ? high : (bits <= 0 ? 0 : high & ~(UInt64.max >> bits)),
                  low: bits >= 128 ? low : (bits <= 64 ? 0 : low & ~(UInt64.max >> (bits - 64))))
    }
}
