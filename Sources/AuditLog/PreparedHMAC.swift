import Crypto

/// HMAC-SHA256 (RFC 2104) with the key's inner and outer padded blocks absorbed once, when the key
/// is loaded, instead of on every message.
///
/// Equivalent to `HMAC<SHA256>` (the tests check it); it exists because `HMAC(key:)` prepares both
/// blocks again for each message, and its generic `DataProtocol` update path cost as much as the
/// hashing itself: together about a third of each webhook's signature check, and of each audit
/// record's chain hash and phone fingerprints. The prepared state is a value (`SHA256Hasher`):
/// `start()` copies it, so one `PreparedHMAC` serves any number of threads.
public struct PreparedHMAC: Sendable {
    private let inner: SHA256Hasher
    private let outer: SHA256Hasher

    /// Prepares `key`.
    public init(key: SymmetricKey) {
        // A key longer than SHA-256's 64-byte block is hashed first; a shorter one is zero-padded.
        var block = key.withUnsafeBytes { Array($0) }
        if block.count > 64 {
            block = Array(SHA256.hash(data: block))
        }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256Hasher()
        var outer = SHA256Hasher()
        block = block.map { $0 ^ 0x36 }
        block.withUnsafeBytes { inner.update($0) }
        block = block.map { $0 ^ 0x36 ^ 0x5C }
        block.withUnsafeBytes { outer.update($0) }
        self.inner = inner
        self.outer = outer
    }

    /// A message's MAC, fed piece by piece.
    public struct Running {
        fileprivate var inner: SHA256Hasher
        fileprivate let outer: SHA256Hasher

        /// Adds bytes to the message.
        public mutating func update(bytes: UnsafeRawBufferPointer) {
            inner.update(bytes)
        }

        /// Adds a text's UTF-8 to the message.
        public mutating func update(utf8 text: String) {
            var text = text
            text.withUTF8 { inner.update(UnsafeRawBufferPointer($0)) }
        }

        /// The MAC of everything added.
        public consuming func finalize() -> SHA256Bytes {
            var outer = outer
            inner.finalize().withUnsafeBytes { outer.update($0) }
            return outer.finalize()
        }
    }

    /// Starts a message.
    public func start() -> Running {
        Running(inner: inner, outer: outer)
    }
}
