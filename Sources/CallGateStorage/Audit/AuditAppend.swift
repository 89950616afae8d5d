/// One item of a batch for `AuditStore.append`: a prepared record, and the outbox change to make
/// in the same transaction, if any: a webhook delivery to admit (the intake's record), or the
/// outcome of a delivery's attempt (the attempt's record).
public struct AuditAppend: Sendable {
    /// The record to chain and store.
    public var record: PreparedAuditRecord
    /// The delivery the record's request submitted; nil for a record alone.
    public var delivery: NewDelivery?
    /// The attempt the record describes, to complete; nil for a record alone.
    public var completion: DeliveryCompletion?

    /// Creates an item.
    public init(_ record: PreparedAuditRecord, delivery: NewDelivery? = nil, completion: DeliveryCompletion? = nil) {
        self.record = record
        self.delivery = delivery
        self.completion = completion
    }
}
