import Crypto

/// A record ready to be chained: its content digest already computed.
///
/// The digest (canonical JSON, then SHA-256) is most of the chaining's cost and needs nothing from
/// the store, so `AuditWriter` prepares each record on its caller's thread; the store's single
/// writer is left with one short HMAC per record (`AuditKeys.chainHash`). The same goes for the
/// terms of a search index, for stores that keep one.
public struct PreparedAuditRecord: Sendable {
    /// The record, not yet numbered.
    public let record: AuditRecord
    /// `record.contentDigest()`.
    public let contentDigest: SHA256.Digest
    /// The record's search terms, when the store indexes them (`AuditStore.indexesSearchTerms`);
    /// nil leaves them to the store.
    public let searchTerms: AuditSearchTerms?

    /// Prepares `record`, computing its content digest, and its search terms when `searchTerms`.
    public init(_ record: AuditRecord, searchTerms: Bool = false) {
        self.record = record
        self.contentDigest = record.contentDigest()
        self.searchTerms = searchTerms ? AuditSearchTerms(record) : nil
    }
}
