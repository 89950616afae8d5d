/// One item of a batch as stored: where its record landed in the chain, and what became of its
/// delivery.
///
/// The record itself is not repeated here (`stored(_:)` rebuilds it from the one appended), so a
/// batch's answer is a few dozen bytes an item, allocated on the store's single writer thread.
public struct AuditAppended: Sendable, Hashable {
    /// The record's sequence, as assigned by the store.
    public var sequence: Int64
    /// The hash of the record before it.
    public var previousHash: String
    /// The record's own chain hash.
    public var hash: String
    /// The outbox change, kept out of line: most records have none.
    private var outbox: Outbox?

    /// What became of the item's delivery; nil when it had none.
    public var admission: DeliveryAdmission? { outbox?.admission }
    /// The item's completed delivery, or why it could not be completed (`notFound`, or `conflict`
    /// when it was not `sending`; the record is stored all the same); nil when it had none.
    public var completed: Result<Delivery, AuditStoreError>? { outbox?.completed }

    /// Creates a stored item.
    public init(
        sequence: Int64, previousHash: String, hash: String,
        admission: DeliveryAdmission? = nil, completed: Result<Delivery, AuditStoreError>? = nil
    ) {
        self.sequence = sequence
        self.previousHash = previousHash
        self.hash = hash
        outbox = admission == nil && completed == nil ? nil : Outbox(admission: admission, completed: completed)
    }

    /// `record`, the item's record as appended, numbered and chained as stored.
    public func stored(_ record: AuditRecord) -> AuditRecord {
        var record = record
        record.sequence = sequence
        record.previousHash = previousHash
        record.hash = hash
        return record
    }

    private final class Outbox: Sendable, Hashable {
        let admission: DeliveryAdmission?
        let completed: Result<Delivery, AuditStoreError>?

        init(admission: DeliveryAdmission?, completed: Result<Delivery, AuditStoreError>?) {
            self.admission = admission
            self.completed = completed
        }

        static func == (lhs: Outbox, rhs: Outbox) -> Bool {
            lhs.admission == rhs.admission && lhs.completed == rhs.completed
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(admission)
            hasher.combine(completed)
        }
    }
}
