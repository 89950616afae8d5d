import CallGateCore
import CallGateStorage

/// One finished request, as the audit records it: the draft plus the answer.
struct AuditEvent: Sendable {
    /// What the pipeline learned.
    let draft: AuditDraft
    /// When the request was answered, in milliseconds since 1970 (UTC).
    let timeMillis: Int64
    /// The peer's address.
    let clientAddress: String?
    /// The method and path (no query: a query can carry a phone number).
    let method: String
    let path: String
    /// Time from the request's arrival to its answer (before the audit commit).
    let totalLatency: Duration
    /// The status answered.
    let responseStatus: Int
    /// The problem code answered, if any.
    let problem: String?

    init(draft: AuditDraft, request: GatewayRequest, timeMillis: Int64, responseStatus: Int, problem: Problem.Code?,
         totalLatency: Duration) {
        self.draft = draft
        self.timeMillis = timeMillis
        clientAddress = request.clientAddress
        method = request.method
        path = request.path
        self.totalLatency = totalLatency
        self.responseStatus = responseStatus
        self.problem = problem?.rawValue
    }

    /// allowed, denied (the gateway refused) or error (a failure, upstream or ours).
    var outcome: AuditOutcome { AuditOutcome(status: responseStatus, problem: problem) }

    /// Whether the operation changes something at LiveVox.
    var isMutating: Bool {
        draft.operation == GatewayOperation.launchManualCalls.rawValue || draft.operation == GatewayOperation.scheduleCallback.rawValue
    }
}

extension AuditOutcome {
    /// The outcome of an answer with `status` and problem code `problem`: error for a 5xx (a
    /// failure, upstream or ours), denied when the gateway refused, allowed otherwise (LiveVox's
    /// own refusals, `upstream_...`, included).
    init(status: Int, problem: String?) {
        if status >= 500 {
            self = .error
        } else if let problem, !problem.hasPrefix("upstream_") {
            self = .denied
        } else {
            self = .allowed
        }
    }
}
