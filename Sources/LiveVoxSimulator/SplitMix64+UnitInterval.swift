import CallGateCore

extension SplitMix64 {
    /// A value in [0, 1), for fault rates.
    mutating func unitInterval() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }
}
