import CallGateCore
import CallGateStorage

/// What the pipeline learns about a request as it goes, for its audit record.
struct AuditDraft: Sendable {
    let requestId: String
    /// When the request arrived: an intent record's latency is counted from it.
    let arrived: ContinuousClock.Instant
    /// Whether the request is recorded at all (the probes and the contract are not).
    var isAudited = false
    var principal: Principal?
    var operation = "unknown"
    var serviceId: Int64?
    /// National numbers (10 digits) of the request, valid ones only.
    var phones: [String] = []
    var entryCount: Int?
    var validationCodes: [String] = []
    var upstreamStatus: Int?
    var upstreamAttempts = 0
    var upstreamLatency: Duration?
    /// Whether LiveVox may have acted although the call failed (sent, but no answer).
    var upstreamMayHaveActed = false
    /// The rate limiter's decision, when the principal is limited: not recorded (a refusal is, as
    /// `rate_limited`), but its `RateLimit-*` headers go on the answer.
    var rateLimit: RateLimiter.Decision?
    /// A refusal's reason more precise than its problem code (a webhook's `stale_timestamp`).
    var reason: String?
    /// An accepted webhook's delivery, written to the outbox with the record.
    var delivery: NewDelivery?
    /// The calling-window decision of a launch or callback (`Pipeline/CallingWindowStage.swift`).
    var callingWindow: AuditCallingWindow?

    init(requestId: String, arrived: ContinuousClock.Instant) {
        self.requestId = requestId
        self.arrived = arrived
    }

    /// Notes the distinct codes of the refused fields, in the order they first appear.
    mutating func noteRefused(_ issues: FieldIssues) {
        validationCodes = issues.codes
    }

    /// Notes what the route says: whether the request is recorded, its operation and service.
    mutating func note(_ route: GatewayRoute) {
        isAudited = route.isAudited
        operation = route.operationName
        serviceId = route.serviceId
    }
}
