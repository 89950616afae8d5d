#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The text of the Standard Webhooks headers, parsed apart from the server (which checks the MACs)
/// so that the parsers can be fuzzed without it.
public enum WebhookHeaders {
    /// The longest `webhook-id` accepted.
    public static let maximumIdLength = 256
    /// The length of a `v1` signature: one HMAC-SHA256.
    public static let signatureByteCount = 32

    /// 1 to 256 printable ASCII characters (no spaces or control characters).
    public static func isWellFormed(id: String) -> Bool {
        (1...maximumIdLength).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Unix seconds: ASCII digits only (no sign, no fraction), short enough not to overflow.
    public static func parse(timestamp: String) -> Int64? {
        guard (1...18).contains(timestamp.utf8.count), timestamp.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return Int64(timestamp)
    }

    /// The `v1` MACs of a `webhook-signature` header; other versions and malformed entries are skipped.
    public static func parse(signatures header: String) -> [[UInt8]] {
        header.split(separator: " ").compactMap { entry in
            guard entry.hasPrefix("v1,"), let bytes = Data(base64Encoded: String(entry.dropFirst(3))),
                  bytes.count == signatureByteCount
            else { return nil }
            return Array(bytes)
        }
    }
}
