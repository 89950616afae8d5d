import COpenSSLSHA

/// SHA-256, one-shot or fed piece by piece, through libcrypto's context held by value
/// (`COpenSSLSHA`): no allocation per hash, and a copy of a started hash (a prepared HMAC key) is a
/// copy of the struct. swift-crypto's `SHA256` keeps its context in a heap object, allocated for
/// each hash and again for each copy that is updated.
public struct SHA256Hasher: Sendable {
    private var context = SHA256_CTX()

    /// Starts an empty message.
    public init() {
        copensslsha_init(&context)
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        copensslsha_update(&context, base, bytes.count)
    }

    /// Adds a text's UTF-8 to the message.
    public mutating func update(utf8 text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Adds an array's bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything added.
    public consuming func finalize() -> SHA256Bytes {
        var context = self.context
        return SHA256Bytes { copensslsha_final(&context, $0) }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Bytes {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of a text's UTF-8.
    public static func hash(utf8 text: String) -> SHA256Bytes {
        var hasher = SHA256Hasher()
        hasher.update(utf8: text)
        return hasher.finalize()
    }
}
