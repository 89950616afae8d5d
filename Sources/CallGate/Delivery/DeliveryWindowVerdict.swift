import CallGateStorage

/// What the calling windows say of a delivery the worker is about to send: the rules file may have
/// changed since the delivery was planned, so the window is checked again at the instant of sending.
public enum DeliveryWindowVerdict: Sendable, Hashable {
    /// Allowed now (or not subject to a window: a callback, a service whose profile is `off`).
    case open
    /// Closed now; every entry is allowed at `untilMillis`, within the horizon of a deferral.
    case closedUntil(untilMillis: Int64, reason: String)
    /// Closed now, and no instant within the horizon allows every entry: the delivery dies.
    case closed(reason: String)

    /// The check of a worker that enforces no window.
    public static let alwaysOpen: @Sendable (Delivery, _ nowMillis: Int64) -> DeliveryWindowVerdict = { _, _ in .open }
}
