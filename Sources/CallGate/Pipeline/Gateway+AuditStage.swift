import CallGateStorage
import Logging

/// The last stage: the request's record is committed before its answer is sent. A record that
/// cannot be committed turns the answer into 503 `audit_unavailable`; nothing is answered
/// unaudited. An accepted webhook's delivery is committed with its record, and the 202 says
/// which delivery holds it. A launch or a callback also has an intent record, committed before
/// LiveVox is called, so that a crash between LiveVox acting and the outcome record still leaves
/// the request in the trail (read back as `incomplete`).
extension Gateway {
    /// Commits the intent record of a request about to act at LiveVox; 503 `audit_unavailable`,
    /// with nothing forwarded, when it cannot be committed.
    func recordIntent(_ draft: AuditDraft, of request: GatewayRequest) async throws(Problem) {
        guard let audit else { return }
        let event = AuditEvent(draft: draft, request: request, timeMillis: nowMillis(), responseStatus: 0, problem: nil,
                               totalLatency: draft.arrived.duration(to: .now), outcome: .intent)
        guard await audit.commit(event, logger: logger) else {
            var problem = Problem(503, .auditUnavailable,
                                  "The audit trail could not record this request, so nothing was sent to LiveVox; retry when /readyz answers 200.")
            problem.retryAfterSeconds = 5
            throw problem
        }
    }

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
        // acted: its intent record, read as incomplete, has the request id.
        return await audit.commit(event, logger: logger) ? response : unavailable(after: event, request)
    }

    private func unavailable(after event: AuditEvent, _ request: GatewayRequest) -> GatewayResponse {
        var problem = Problem(503, .auditUnavailable,
                              event.draft.upstreamAttempts > 0 && event.isMutating
                                ? "The audit trail could not record this request after LiveVox was called; LiveVox may have acted. The audit trail holds its intent record, read as incomplete under this request id."
                                : "The audit trail could not record this request, so it was not answered; retry when /readyz answers 200.")
        problem.retryAfterSeconds = 5
        return .problem(problem, requestId: event.draft.requestId, instance: request.path)
    }
}
