/// A webhook the gateway accepted, to be forwarded to LiveVox: what it submits with the intake's
/// audit record (`AuditWriter.record(_:delivery:)`).
public struct NewDelivery: Sendable, Hashable {
    /// The delivery's id, made by the caller (e.g. a UUID) and returned to the CRM; unique.
    public var id: String
    /// The webhook source (the sender's name in the sources file).
    public var source: String
    /// The sender's `webhook-id`: a source's webhook with an id already admitted is a duplicate.
    public var webhookId: String
    /// The LiveVox operation, e.g. `schedule_callback`.
    public var operation: String
    /// The LiveVox service addressed.
    public var serviceId: Int64
    /// The normalized LiveVox request body (JSON), sent as it is.
    public var payload: [UInt8]
    /// When the gateway accepted it, in milliseconds since the Unix epoch.
    public var createdMillis: Int64
    /// When its first attempt is due: `createdMillis` for a delivery sent at once, later for one
    /// deferred to the opening of a calling window. The retry limit counts from it, so waiting for
    /// the window costs no retries.
    public var firstAttemptMillis: Int64
    /// What the calling window is asked about it before each attempt (the gateway's own encoding of
    /// its entries' numbers, locations and durations), kept beside the payload since the LiveVox body
    /// does not hold the caller's locations; nil when no window applies.
    public var windowQuery: [UInt8]?

    /// Creates a delivery to submit.
    public init(
        id: String, source: String, webhookId: String, operation: String, serviceId: Int64, payload: [UInt8],
        createdMillis: Int64, firstAttemptMillis: Int64? = nil, windowQuery: [UInt8]? = nil
    ) {
        self.id = id
        self.source = source
        self.webhookId = webhookId
        self.operation = operation
        self.serviceId = serviceId
        self.payload = payload
        self.createdMillis = createdMillis
        self.firstAttemptMillis = max(createdMillis, firstAttemptMillis ?? createdMillis)
        self.windowQuery = windowQuery
    }
}
