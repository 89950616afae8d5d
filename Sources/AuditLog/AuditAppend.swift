/// One item of a batch for `AuditStore.append`: a prepared record, and the webhook delivery to
/// admit in the same transaction, if any.
public struct AuditAppend: Sendable {
    /// The record to chain and store.
    public var record: PreparedAuditRecord
    /// The delivery the record's request submitted; nil for a record alone.
    public var delivery: NewDelivery?

    /// Creates an item.
    public init(_ record: PreparedAuditRecord, delivery: NewDelivery? = nil) {
        self.record = record
        self.delivery = delivery
    }
}

/// One item of a batch as stored.
public struct AuditAppended: Sendable, Hashable {
    /// The record as stored (numbered and chained).
    public var record: AuditRecord
    /// What became of the item's delivery; nil when it had none.
    public var admission: DeliveryAdmission?

    /// Creates a stored item.
    public init(record: AuditRecord, admission: DeliveryAdmission?) {
        self.record = record
        self.admission = admission
    }
}
