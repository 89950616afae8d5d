/// One page of deliveries.
public struct DeliveryPage: Sendable, Hashable {
    /// The deliveries, newest first.
    public var deliveries: [Delivery]
    /// The `beforeCursor` of the next page (an opaque position); nil when no delivery follows.
    public var nextCursor: Int64?

    /// Creates a page.
    public init(deliveries: [Delivery], nextCursor: Int64?) {
        self.deliveries = deliveries
        self.nextCursor = nextCursor
    }
}
