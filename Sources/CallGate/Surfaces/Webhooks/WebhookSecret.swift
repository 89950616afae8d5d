import CallGateHashing
import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of the HMAC-SHA256 key.
///
/// The sender (the CRM) keeps the same text and signs every delivery with the decoded key; see
/// ``signature(id:timestamp:body:)`` for what is signed.
public struct WebhookSecret: Sendable {
    /// Every secret starts with this, as in the Standard Webhooks libraries.
    public static let prefix = "whsec_"
    /// The shortest key accepted, in bytes (192 bits, the size of the specification's example).
    public static let minimumKeyLength = 24
    /// The size of a generated key, in bytes: as long as the SHA-256 output.
    public static let generatedKeyLength = 32

    /// The secret as the sources file stores it and the sender is given it: `whsec_<base64>`.
    public let text: String
    /// The HMAC-SHA256 key: the base64-decoded bytes after the prefix.
    public let key: [UInt8]
    /// The key prepared once for every signature checked with it.
    private let hmac: PreparedHMAC

    private init(text: String, key: [UInt8]) {
        self.text = text
        self.key = key
        hmac = PreparedHMAC(key: key)
    }

    /// A new secret of ``generatedKeyLength`` bytes from the system's cryptographic random source.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<generatedKeyLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSecret(text: prefix + Data(key).base64EncodedString(), key: key)
    }

    /// Reads `whsec_<base64>`; the key must decode to at least ``minimumKeyLength`` bytes.
    public static func parse(_ text: String) throws(WebhookSecretError) -> WebhookSecret {
        guard text.hasPrefix(prefix) else { throw .missingPrefix }
        guard let bytes = Data(base64Encoded: String(text.dropFirst(prefix.count))), !bytes.isEmpty else {
            throw .invalidBase64
        }
        guard bytes.count >= minimumKeyLength else { throw .keyTooShort(bytes: bytes.count) }
        return WebhookSecret(text: text, key: Array(bytes))
    }

    /// The `v1,<base64 MAC>` entry a sender puts in `webhook-signature` for this delivery.
    public func signature(id: String, timestamp: String, body: some DataProtocol) -> String {
        "v1," + Data(mac(id: id, timestamp: timestamp, body: body)).base64EncodedString()
    }

    /// HMAC-SHA256 of `"<id>.<timestamp>.<body>"`, fed piece by piece so the body is not copied.
    /// `timestamp` is the header's text as sent, so the MAC covers exactly what the sender signed.
    func mac(id: String, timestamp: String, body: some DataProtocol) -> SHA256Bytes {
        var running = hmac.start()
        running.update(utf8: id)
        running.update(utf8: ".")
        running.update(utf8: timestamp)
        running.update(utf8: ".")
        for region in body.regions {
            region.withUnsafeBytes { running.update(bytes: $0) }
        }
        return running.finalize()
    }
}

/// Why a text is not a webhook secret; each case has a stable code and a sentence.
public enum WebhookSecretError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text does not start with `whsec_`.
    case missingPrefix
    /// What follows the prefix is not standard base64.
    case invalidBase64
    /// The key is shorter than ``WebhookSecret/minimumKeyLength`` bytes.
    case keyTooShort(bytes: Int)

    /// The stable code.
    public var code: String {
        switch self {
        case .missingPrefix: "missing_prefix"
        case .invalidBase64: "invalid_base64"
        case .keyTooShort: "key_too_short"
        }
    }

    /// The sentence.
    public var description: String {
        switch self {
        case .missingPrefix:
            "A webhook secret starts with \(WebhookSecret.prefix); this one does not."
        case .invalidBase64:
            "A webhook secret is \(WebhookSecret.prefix) followed by base64; what follows the prefix here is not base64."
        case .keyTooShort(let bytes):
            "This webhook secret's key has \(bytes) bytes; at least \(WebhookSecret.minimumKeyLength) are needed."
        }
    }
}
