import Crypto

/// A record ready to be chained: its content digest already computed.
///
/// The digest (canonical JSON, then SHA-256) is most of the chaining's cost and needs nothing from
/// the store, so `AuditWriter` prepares each record on its caller's thread; the store's single
/// writer is left with one short HMAC per record (`AuditKeys.chainHash`).
public struct PreparedAuditRecord: Sendable {
    /// The record, not yet numbered.
    public let record: AuditRecord
    /// `record.contentDigest()`.
    public let contentDigest: SHA256.Digest

    /// Prepares `record`, computing its content digest.
    public init(_ record: AuditRecord) {
        self.record = record
        self.contentDigest = record.contentDigest()
    }
}
