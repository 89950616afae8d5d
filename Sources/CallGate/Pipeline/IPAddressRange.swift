/// A CIDR block such as `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
public struct IPAddressRange: Hashable, Sendable, CustomStringConvertible {
    /// The block's first address (its host bits cleared).
    public let network: IPAddress
    /// The prefix length over the 128-bit form (an IPv4 prefix plus 96).
    public let prefixBits: Int
    /// The block as it was written.
    public let description: String

    /// The block of `text`; nil when it is not an address with an optional `/prefix` within its family's bits.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let familyBits = address.isIPv4 ? 32 : 128
        var prefix = familyBits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...familyBits).contains(given) else { return nil }
            prefix = given
        }
        prefixBits = prefix + (128 - familyBits)
        network = address.masked(to: prefixBits)
        description = String(text)
    }

    /// Whether `address` is in the block.
    public func contains(_ address: IPAddress) -> Bool {
        address.masked(to: prefixBits) == network
    }
}
