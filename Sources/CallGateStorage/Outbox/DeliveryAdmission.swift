/// What became of a delivery submitted with its audit record.
public enum DeliveryAdmission: Sendable, Hashable {
    /// It was new: stored as `pending`, due at once.
    case created(Delivery)
    /// Its source had already submitted this `webhook-id`: nothing was stored, and this is the
    /// delivery admitted the first time (answer with its id).
    case duplicate(Delivery)

    /// The delivery stored, new or earlier.
    public var delivery: Delivery {
        switch self {
        case .created(let delivery), .duplicate(let delivery): delivery
        }
    }
}
