import Crypto

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
        hex(sha256(key))
    }

    /// The SHA-256 digest of a key's bytes (the store looks keys up by it as an `APIKeyDigest`).
    static func sha256(_ key: some StringProtocol) -> SHA256Digest {
        var text = String(key)
        return text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    /// Lowercase hex of a digest, as the keys file stores it.
    static func hex(_ digest: SHA256Digest) -> String {
        String(unsafeUninitializedCapacity: SHA256Digest.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

/// A key's SHA-256 as the store looks keys up: the 32 bytes as four words, so that a lookup neither
/// formats the digest as hex nor hashes 64 characters.
struct APIKeyDigest: Hashable, Sendable {
    private let w0, w1, w2, w3: UInt64

    /// The digest of a presented key.
    init(key: some StringProtocol) {
        self = APIKey.sha256(key).withUnsafeBytes(Self.init(bytes:))
    }

    /// The digest whose 32 bytes are `bytes`.
    private init(bytes: UnsafeRawBufferPointer) {
        w0 = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        w1 = bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        w2 = bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
        w3 = bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
    }

    /// The digest a keys file stores as 64 hex digits (either case); nil when `hex` is not that.
    init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in 0..<32 {
            guard let high = hexDigitValue(digits[2 * index]), let low = hexDigitValue(digits[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        self = bytes.withUnsafeBytes(Self.init(bytes:))
    }
}

/// The value of a hex digit (either case), or nil: for key digests and percent-escapes.
func hexDigitValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}
