/// A SHA-256 digest or HMAC-SHA256 value: its 32 bytes, held inline (no allocation).
public struct SHA256Bytes: Sendable, Hashable, Sequence {
    /// The length of a SHA-256 digest in bytes.
    public static let byteCount = 32

    private var word0: UInt64 = 0
    private var word1: UInt64 = 0
    private var word2: UInt64 = 0
    private var word3: UInt64 = 0

    /// The value with these 32 bytes; nil for any other count.
    public init?(_ bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.byteCount else { return nil }
        withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
    }

    /// The value whose bytes `body` writes through the pointer it is given (32 bytes of room).
    init(writing body: (UnsafeMutablePointer<UInt8>) -> Void) {
        withUnsafeMutableBytes { body($0.bindMemory(to: UInt8.self).baseAddress!) }
    }

    /// Calls `body` with the 32 bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var words = (word0, word1, word2, word3)
        return try Swift.withUnsafeBytes(of: &words, body)
    }

    private mutating func withUnsafeMutableBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        var words = (word0, word1, word2, word3)
        Swift.withUnsafeMutableBytes(of: &words, body)
        (word0, word1, word2, word3) = words
    }

    /// The bytes in order.
    public func makeIterator() -> [UInt8].Iterator {
        withUnsafeBytes { Array($0) }.makeIterator()
    }

    /// The 32 bytes as 64 lowercase hex digits.
    public var hex: String {
        withUnsafeBytes { Hex.encode($0) }
    }

    /// Whether `candidate` holds exactly these bytes, comparing every byte whatever the first
    /// difference, so the time taken says nothing of where a forged MAC goes wrong.
    @inlinable
    public func constantTimeEquals(_ candidate: some Collection<UInt8>) -> Bool {
        guard candidate.count == Self.byteCount else { return false }
        var difference: UInt8 = 0
        withUnsafeBytes { bytes in
            for (index, byte) in candidate.enumerated() {
                difference |= bytes[index] ^ byte
            }
        }
        return difference == 0
    }
}
