/// HMAC-SHA256 (RFC 2104) with the key's inner and outer padded blocks absorbed once, when the key
/// is loaded, instead of on every message.
///
/// Equivalent to swift-crypto's `HMAC<SHA256>` (the tests check it), without its per-message
/// preparation of both blocks and its generic update path. The prepared state is a value
/// (`SHA256Hasher`): `start()` copies it, so one `PreparedHMAC` serves any number of threads.
public struct PreparedHMAC: Sendable {
    private let inner: SHA256Hasher
    private let outer: SHA256Hasher

    /// Prepares `key`.
    public init(key: [UInt8]) {
        // A key longer than SHA-256's 64-byte block is hashed first; a shorter one is zero-padded.
        var block = key.count > 64 ? Array(key.withUnsafeBytes { SHA256Hasher.hash($0) }) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256Hasher()
        var outer = SHA256Hasher()
        block = block.map { $0 ^ 0x36 }
        inner.update(block)
        block = block.map { $0 ^ 0x36 ^ 0x5C }
        outer.update(block)
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
            inner.update(utf8: text)
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

    /// The MAC of `message`'s bytes.
    public func authenticate(_ message: [UInt8]) -> SHA256Bytes {
        var running = start()
        message.withUnsafeBytes { running.update(bytes: $0) }
        return running.finalize()
    }
}
