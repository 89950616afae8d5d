import CallGateCore
import Logging

/// Where the gateway records each decision before answering it. The service's implementation is
/// ``AuditTrail`` (the group-commit writer over the audit store); the pipeline only needs this.
public protocol GatewayAudit: Sendable {
    /// Whether records can be written now; mutating requests are refused (503) while they cannot.
    var isWritable: Bool { get }
    /// Records `event` durably; returns `false` when it could not be committed.
    func commit(_ event: AuditEvent, logger: Logger) async -> Bool
}

/// What the pipeline learns about a request as it goes, for its audit record.
struct AuditDraft: Sendable {
    let requestId: String
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

    init(requestId: String) { self.requestId = requestId }

    /// Notes a request refused by validation: its error codes, its entry count, and the numbers in
    /// it that are valid, so that ops find refused requests for a number too.
    mutating func noteRefused(_ body: JSONValue, failure: ValidationFailure, surface: GatewayRoute.Surface, allowed: PhoneRegionSet) {
        var codes: [String] = []
        for error in failure.errors where !codes.contains(error.code) { codes.append(error.code) }
        validationCodes = codes
        let (listKey, phoneKey) = surface == .v1 ? ("calls", "phone") : ("callEntry", "phoneNumber")
        var values: [JSONValue] = []
        if case .array(let entries)? = body[listKey] {
            entryCount = entries.count
            values = entries.compactMap { $0[phoneKey] }
        } else if let phone = body[phoneKey] {
            entryCount = 1
            values = [phone]
        }
        phones = values.compactMap { value in
            guard case .string(let text) = value, let number = try? PhoneNumber.parse(text, allowed: allowed) else { return nil }
            return number.national
        }
    }
}

/// One finished request, as the audit records it: the draft plus the answer.
public struct AuditEvent: Sendable {
    /// The request id (also in `X-Request-ID` and sent upstream).
    public let requestId: String
    /// When the request was answered, in milliseconds since 1970 (UTC).
    public let timeMillis: Int64
    /// Who asked, when known.
    public let principal: Principal?
    /// The peer's address.
    public let clientAddress: String?
    /// The policy's operation name, or `unknown` for a path that is not a route.
    public let operation: String
    /// The method and path (no query: a query can carry a phone number).
    public let method: String
    public let path: String
    /// The service in the path, when there is one.
    public let serviceId: Int64?
    /// National numbers in the request, valid ones only; stored masked and fingerprinted, never whole.
    public let phones: [String]
    /// Entries in a batch.
    public let entryCount: Int?
    /// The distinct field error codes of a validation refusal.
    public let validationCodes: [String]
    /// What happened upstream.
    public let upstreamStatus: Int?
    public let upstreamAttempts: Int
    public let upstreamLatency: Duration?
    /// Time from the request's arrival to its answer (before the audit commit).
    public let totalLatency: Duration
    /// The status answered.
    public let responseStatus: Int
    /// The problem code answered, if any.
    public let problem: String?
    /// Whether the operation changes something at LiveVox.
    public let isMutating: Bool

    /// allowed, denied (the gateway refused) or error (a failure, upstream or ours).
    public var outcome: String {
        if responseStatus >= 500 { return "error" }
        if let problem, !problem.hasPrefix("upstream_") { return "denied" }
        return "allowed"
    }

    init(draft: AuditDraft, request: GatewayRequest, timeMillis: Int64, responseStatus: Int, problem: Problem.Code?,
         totalLatency: Duration) {
        requestId = draft.requestId
        self.timeMillis = timeMillis
        principal = draft.principal
        clientAddress = request.clientAddress
        operation = draft.operation
        method = request.method
        path = request.path
        serviceId = draft.serviceId
        phones = draft.phones
        entryCount = draft.entryCount
        validationCodes = draft.validationCodes
        upstreamStatus = draft.upstreamStatus
        upstreamAttempts = draft.upstreamAttempts
        upstreamLatency = draft.upstreamLatency
        self.totalLatency = totalLatency
        self.responseStatus = responseStatus
        self.problem = problem?.rawValue
        isMutating = draft.operation == GatewayOperation.launchManualCalls.rawValue
            || draft.operation == GatewayOperation.scheduleCallback.rawValue
    }
}
