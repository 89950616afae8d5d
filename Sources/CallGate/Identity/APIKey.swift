import CallGateHashing

/// CallGate API keys: `cgk_` followed by 43 base62 characters (256 random bits), shown once when
/// created and kept only as their SHA-256 digest.
public enum APIKey {
    /// Every key starts with this, so that secret scanners and people recognise it.
    public static let prefix = "cgk_"
    /// Base62 characters after the prefix: ceil(256 / log2(62)).
    static let bodyLength = 43
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new random key from the system's cryptographic random source.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        var digits: [UInt8] = []
        // Repeated division of the 256-bit big-endian number by 62.
        while digits.count < bodyLength {
            var remainder = 0
            for index in bytes.indices {
                let value = remainder << 8 | Int(bytes[index])
                bytes[index] = UInt8(value / 62)
                remainder = value % 62
            }
            digits.append(alphabet[remainder])
        }
        return prefix + String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// Whether `text` has the shape of a key (prefix, length, alphabet); says nothing of validity.
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == prefix.utf8.count + bodyLength, text.hasPrefix(prefix) else { return false }
        return utf8.dropFirst(prefix.utf8.count).allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
    }

    /// The lowercase hex SHA-256 digest under which a key is stored.
    public static func digest(of key: some StringProtocol) -> String {
        sha256(key).hex
    }

    /// The SHA-256 digest of a key's bytes (the store looks keys up by it as an `APIKeyDigest`).
    static func sha256(_ key: some StringProtocol) -> SHA256Bytes {
        SHA256Hasher.hash(utf8: String(key))
    }
}

/// A key's SHA-256 as the store looks keys up: the 32 bytes inline, so that a lookup neither
/// formats the digest as hex nor hashes 64 characters.
struct APIKeyDigest: Hashable, Sendable {
    private let bytes: SHA256Bytes

    /// The digest of a presented key.
    init(key: some StringProtocol) {
        bytes = APIKey.sha256(key)
    }

    /// The digest a keys file stores as 64 hex digits (either case); nil when `hex` is not that.
    init?(hex: String) {
        guard hex.utf8.count == 64, let decoded = Hex.decode(hex), let bytes = SHA256Bytes(decoded) else { return nil }
        self.bytes = bytes
    }
}
