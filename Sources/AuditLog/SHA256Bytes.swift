import COpenSSLSHA

/// A SHA-256 digest or HMAC-SHA256 value: its 32 bytes, held inline.
public struct SHA256Bytes: Sendable, Hashable, Sequence {
    /// The length of a SHA-256 digest in bytes.
    public static let byteCount = 32

    private var word0: UInt64 = 0
    private var word1: UInt64 = 0
    private var word2: UInt64 = 0
    private var word3: UInt64 = 0

    /// The value with these 32 bytes; nil for any other count.
    init?(_ bytes: some Sequence<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count == Self.byteCount else { return nil }
        withUnsafeMutableBytes { $0.copyBytes(from: bytes) }
    }

    fileprivate init(writing body: (UnsafeMutablePointer<UInt8>) -> Void) {
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

    public func makeIterator() -> [UInt8].Iterator {
        withUnsafeBytes { Array($0) }.makeIterator()
    }
}

/// SHA-256 through libcrypto's context held by value (`COpenSSLSHA`): no allocation per hash, and a
/// copy of a started hash (a prepared HMAC key) is a copy of the struct.
///
/// swift-crypto's `SHA256` keeps its context in a heap object, allocated for each hash and again
/// for each copy that is updated: in the gateway that cost about as much as the hashing, for the
/// audit record's digest, the chain's HMAC and the phone fingerprints.
struct SHA256Hasher {
    private var context = SHA256_CTX()

    init() {
        copensslsha_init(&context)
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        copensslsha_update(&context, base, bytes.count)
    }

    consuming func finalize() -> SHA256Bytes {
        var context = self.context
        return SHA256Bytes { copensslsha_final(&context, $0) }
    }
}
