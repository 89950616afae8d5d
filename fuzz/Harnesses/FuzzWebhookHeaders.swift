import CallGateCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Parses `bytes` as the three Standard Webhooks headers, one a line (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`), and returns every broken invariant: a timestamp read
/// is the number its digits spell; every signature is 32 bytes, at most one per entry, and the
/// signatures written back as `v1,<base64>` entries parse to the same list.
public func fuzzWebhookHeaders(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    var broken: [String] = []
    if WebhookHeaders.isWellFormed(id: lines[0]), lines[0].utf8.count > WebhookHeaders.maximumIdLength {
        broken.append("an id of \(lines[0].utf8.count) bytes is well-formed")
    }
    if lines.count > 1, let seconds = WebhookHeaders.parse(timestamp: lines[1]) {
        let digits = lines[1].drop { $0 == "0" }
        if seconds < 0 || String(seconds) != (digits.isEmpty ? "0" : String(digits)) {
            broken.append("the timestamp '\(lines[1])' reads as \(seconds)")
        }
    }
    if lines.count > 2 {
        let header = lines[2]
        let macs = WebhookHeaders.parse(signatures: header)
        if macs.contains(where: { $0.count != WebhookHeaders.signatureByteCount }) { broken.append("a signature that is not 32 bytes") }
        if macs.count > header.split(separator: " ").count { broken.append("more signatures than entries") }
        let rewritten = macs.map { "v1," + Data($0).base64EncodedString() }.joined(separator: " ")
        if WebhookHeaders.parse(signatures: rewritten) != macs { broken.append("the signatures do not survive being written back") }
    }
    return broken
}
