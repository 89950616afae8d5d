import CallGateHashing

/// A record ready to be chained: its content digest already computed.
///
/// The digest (canonical JSON, then SHA-256) is most of the chaining's cost and needs nothing from
/// the store, so `AuditWriter` prepares each record on its caller's thread; the store's single
/// writer is left with one short HMAC per record (`AuditKeys.chainHash`). The stored forms of the
/// phones and the validation codes are made here too, for the same reason.
public struct PreparedAuditRecord: Sendable {
    /// The record, not yet numbered.
    public let record: AuditRecord
    /// `record.contentDigest()`.
    public let contentDigest: SHA256Bytes
    /// The phones as one JSON array of strings (masked number, fingerprint, and so on), for stores
    /// that keep them in one column.
    public let phonesJSON: String
    /// The validation codes as one JSON array of strings.
    public let validationCodesJSON: String
    /// The calling-window decision's stored form (`AuditCallingWindow.storedForm`), when there is one.
    public let callingWindowJSON: String?

    /// Prepares `record`, computing its content digest and the stored forms of its lists.
    public init(_ record: AuditRecord) {
        self.record = record
        self.contentDigest = record.contentDigest()
        self.phonesJSON = Self.phonesJSON(record.phones)
        self.validationCodesJSON = CanonicalJSON.encodeStringArray(record.validationCodes)
        self.callingWindowJSON = record.callingWindow?.storedForm
    }

    /// The stored form of `phones`.
    public static func phonesJSON(_ phones: [AuditPhone]) -> String {
        CanonicalJSON.encodeStringArray(phones.flatMap { [$0.masked, $0.fingerprint] })
    }

    /// The phones of their stored form; nil when it is not a JSON array of masked number and
    /// fingerprint pairs.
    package static func decodePhones(_ text: String) -> [AuditPhone]? {
        guard let flat = CanonicalJSON.decodeStringArray(text), flat.count % 2 == 0 else { return nil }
        return stride(from: 0, to: flat.count, by: 2).map { AuditPhone(masked: flat[$0], fingerprint: flat[$0 + 1]) }
    }
}

/// A stored row that cannot be turned back into a record (its columns were edited by hand): its
/// sequence, and why.
package struct UnreadableRecord: Error {
    /// The row's sequence.
    package var sequence: Int64
    /// What is wrong with it.
    package var detail: String

    /// An unreadable row.
    package init(sequence: Int64, detail: String) {
        self.sequence = sequence
        self.detail = detail
    }
}
