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

/// The outcome of the attempt in flight of delivery `deliveryId`, at `nowMillis`.
public struct DeliveryCompletion: Sendable, Hashable {
    /// The delivery, `sending`.
    public var deliveryId: String
    /// What became of the attempt.
    public var outcome: DeliveryOutcome
    /// When it ended.
    public var nowMillis: Int64

    /// Creates a completion.
    public init(deliveryId: String, outcome: DeliveryOutcome, nowMillis: Int64) {
        self.deliveryId = deliveryId
        self.outcome = outcome
        self.nowMillis = nowMillis
    }
}

/// One item of a batch as stored.
public struct AuditAppended: Sendable, Hashable {
    /// The record as stored (numbered and chained).
    public var record: AuditRecord
    /// What became of the item's delivery; nil when it had none.
    public var admission: DeliveryAdmission?
    /// The item's completed delivery, or why it could not be completed (`notFound`, or `conflict`
    /// when it was not `sending`; the record is stored all the same); nil when it had none.
    public var completed: Result<Delivery, AuditStoreError>?

    /// Creates a stored item.
    public init(record: AuditRecord, admission: DeliveryAdmission?, completed: Result<Delivery, AuditStoreError>? = nil) {
        self.record = record
        self.admission = admission
        self.completed = completed
    }
}
