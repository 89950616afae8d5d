import CallGateStorage
import Logging

/// The last stage: the request's record is committed before its answer is sent. A record that
/// cannot be committed turns the answer into 503 `audit_unavailable`; nothing is answered
/// unaudited. An accepted webhook's delivery is committed with its record, and the 202 says
/// which delivery holds it.
extension Gateway {
    func record(_ draft: AuditDraft, of request: GatewayRequest, answered response: GatewayResponse, problem: Problem.Code?,
                after elapsed: Duration, in audit: AuditTrail) async -> GatewayResponse {
        let event = AuditEvent(draft: draft, request: request, timeMillis: nowMillis(), responseStatus: response.status,
                               problem: problem, totalLatency: elapsed)
        if let delivery = draft.delivery, problem == nil {
            guard let admission = await audit.commit(event, delivery: delivery, logger: logger) else {
                return unavailable(after: event, request)
            }
            if case .created = admission { deliveriesArrived?() }
            return WebhookIntake.accepted(admission)
        }
        // For a mutating request that reached LiveVox, the caller learns that LiveVox may have
        // acted: the log has the request id.
        return await audit.commit(event, logger: logger) ? response : unavailable(after: event, request)
    }

    private func unavailable(after event: AuditEvent, _ request: GatewayRequest) -> GatewayResponse {
        var problem = Problem(503, .auditUnavailable,
                              event.draft.upstreamAttempts > 0 && event.isMutating
                                ? "The audit trail could not record this request after LiveVox was called; LiveVox may have acted. The request id identifies it in the service log."
                                : "The audit trail could not record this request, so it was not answered; retry when /readyz answers 200.")
        problem.retryAfterSeconds = 5
        return .problem(problem, requestId: event.draft.requestId, instance: request.path)
    }
}
