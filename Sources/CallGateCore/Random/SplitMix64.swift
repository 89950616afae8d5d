/// A small, seedable generator (SplitMix64, Steele/Lea/Flood 2014): the same seed gives the same
/// sequence, which makes backoff jitter, simulated faults and benchmark inputs reproducible. Each
/// output is its counter passed through a bijection on 64 bits. Not for anything secret.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// Creates a generator from `seed`.
    @inlinable
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
