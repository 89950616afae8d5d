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
