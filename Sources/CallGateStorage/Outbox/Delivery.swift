/// A delivery as the outbox keeps it: what was submitted, and where it stands.
///
/// Deliveries are mutable state, kept beside the audit trail but outside its hash chain: the
/// immutable facts (the webhook accepted, by whom, when) are in the intake's audit record, which
/// `requestId` names.
public struct Delivery: Sendable, Hashable {
    /// The caller's id for it (`NewDelivery.id`).
    public var id: String
    /// The webhook source.
    public var source: String
    /// The sender's `webhook-id`, unique per source.
    public var webhookId: String
    /// The LiveVox operation.
    public var operation: String
    /// The LiveVox service addressed.
    public var serviceId: Int64
    /// The normalized LiveVox request body (JSON).
    public var payload: [UInt8]
    /// When the gateway accepted it (milliseconds since the Unix epoch).
    public var createdMillis: Int64
    /// The request id of the intake, whose audit record was written with the delivery.
    public var requestId: String
    /// Where it stands.
    public var status: DeliveryStatus
    /// How many times it was claimed for sending.
    public var attempts: Int
    /// When it is due (while `pending`): the worker claims it at or after this time.
    public var nextAttemptMillis: Int64
    /// When its status last changed.
    public var updatedMillis: Int64
    /// Why the last attempt failed; nil before the first attempt and after a success.
    public var lastError: String?
    /// LiveVox's HTTP status for the last attempt; nil when LiveVox did not answer it.
    public var upstreamStatus: Int?
    /// When its first attempt was planned (`NewDelivery.firstAttemptMillis`; moved when the calling
    /// window was closed at delivery): the retry limit counts from it.
    public var firstAttemptMillis: Int64
    /// What the calling window is asked before each attempt (`NewDelivery.windowQuery`); nil: none.
    public var windowQuery: [UInt8]?

    /// A delivery with every field given, as a store reads it back (`firstAttemptMillis` nil: created,
    /// as in rows written before deliveries could be deferred).
    package init(
        id: String, source: String, webhookId: String, operation: String, serviceId: Int64, payload: [UInt8],
        createdMillis: Int64, requestId: String, status: DeliveryStatus, attempts: Int, nextAttemptMillis: Int64,
        updatedMillis: Int64, lastError: String?, upstreamStatus: Int?, firstAttemptMillis: Int64? = nil,
        windowQuery: [UInt8]? = nil
    ) {
        self.id = id
        self.source = source
        self.webhookId = webhookId
        self.operation = operation
        self.serviceId = serviceId
        self.payload = payload
        self.createdMillis = createdMillis
        self.requestId = requestId
        self.status = status
        self.attempts = attempts
        self.nextAttemptMillis = nextAttemptMillis
        self.updatedMillis = updatedMillis
        self.lastError = lastError
        self.upstreamStatus = upstreamStatus
        self.firstAttemptMillis = firstAttemptMillis ?? createdMillis
        self.windowQuery = windowQuery
    }

    /// The `lastError` of a delivery found `sending` at start-up (`recoverInterruptedDeliveries`).
    public static let interruptedError =
        "interrupted: the process stopped while it was being sent; it may or may not have reached LiveVox"

    /// The `lastError` of a delivery the running worker found `sending` past its lease (longer than
    /// an attempt and its commit can take): the commit of its outcome failed, or the instance that
    /// claimed it stopped.
    public static let unrecordedError =
        "unrecorded: the outcome of its attempt was not recorded within its lease; it may or may not have reached LiveVox"
}

extension Delivery {
    /// A delivery just admitted: `pending`, due at its first attempt's time, never attempted.
    public init(submitted: NewDelivery, requestId: String) {
        self.init(
            id: submitted.id, source: submitted.source, webhookId: submitted.webhookId,
            operation: submitted.operation, serviceId: submitted.serviceId, payload: submitted.payload,
            createdMillis: submitted.createdMillis, requestId: requestId, status: .pending, attempts: 0,
            nextAttemptMillis: submitted.firstAttemptMillis, updatedMillis: submitted.createdMillis,
            lastError: nil, upstreamStatus: nil, firstAttemptMillis: submitted.firstAttemptMillis,
            windowQuery: submitted.windowQuery
        )
    }

    /// The error for a delivery id no delivery has (or none in the asker's services).
    package static func notFound(_ id: String) -> AuditStoreError {
        AuditStoreError(code: .notFound, detail: "No delivery has the id \(id).")
    }

    // MARK: - Transitions (database-neutral: stores read a row, apply one, write it back)

    /// Claimed by the worker: `sending`, one more attempt.
    package func claimed(nowMillis: Int64) -> Delivery {
        var next = self
        next.status = .sending
        next.attempts += 1
        next.updatedMillis = nowMillis
        return next
    }

    /// The worker's `outcome` of the attempt in flight; throws `conflict` unless it is `sending`.
    package func completed(_ outcome: DeliveryOutcome, nowMillis: Int64) throws(AuditStoreError) -> Delivery {
        guard status == .sending else {
            throw AuditStoreError(
                code: .conflict,
                detail: "The delivery \(id) is \(status.rawValue), not sending: only a claimed delivery can be completed."
            )
        }
        var next = self
        next.updatedMillis = nowMillis
        switch outcome {
        case .delivered(let upstreamStatus):
            next.status = .delivered
            next.lastError = nil
            next.upstreamStatus = upstreamStatus
        case .retry(let atMillis, let error, let upstreamStatus):
            next.status = .pending
            next.nextAttemptMillis = atMillis
            next.lastError = error
            next.upstreamStatus = upstreamStatus
        case .dead(let reason, let upstreamStatus):
            next.status = .dead
            next.lastError = reason
            next.upstreamStatus = upstreamStatus
        case .unknown(let reason):
            next.status = .unknown
            next.lastError = reason
            next.upstreamStatus = nil
        case .deferred(let untilMillis, let reason):
            // Nothing was sent: the claim is no attempt, and the retry limit starts at the new plan.
            next.status = .pending
            next.attempts = max(0, attempts - 1)
            next.nextAttemptMillis = untilMillis
            next.firstAttemptMillis = untilMillis
            next.lastError = reason
        }
        return next
    }

    /// Cancelled (an operator's or the caller's `DELETE`); throws `conflict` unless it is `pending`:
    /// one being sent or sent cannot be called back, and a dead or unknown one is not due anyway.
    package func cancelled(nowMillis: Int64) throws(AuditStoreError) -> Delivery {
        guard status == .pending else {
            throw AuditStoreError(
                code: .conflict,
                detail: "The delivery \(id) is \(status.rawValue): only a pending delivery can be cancelled."
            )
        }
        var next = self
        next.status = .cancelled
        next.updatedMillis = nowMillis
        return next
    }

    /// Due again at once after an operator's retry; throws `conflict` unless it is `dead` or
    /// `unknown`. Its attempts, last error and last status are kept for the record.
    package func retried(nowMillis: Int64) throws(AuditStoreError) -> Delivery {
        guard status == .dead || status == .unknown else {
            throw AuditStoreError(
                code: .conflict,
                detail: "The delivery \(id) is \(status.rawValue): only a dead or unknown delivery can be retried."
            )
        }
        var next = self
        next.status = .pending
        next.nextAttemptMillis = nowMillis
        next.updatedMillis = nowMillis
        return next
    }
}
