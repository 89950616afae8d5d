import CallGateCore
import CallGateStorage
import Logging

/// `"whenOutsideWindow": "defer"` on a `/v1` launch outside its calling window: the batch goes to the
/// outbox, due whole at the instant the calling-window stage planned, and the caller gets 202 with the
/// delivery's id, its `Location` and that instant, nothing sent to LiveVox yet.
///
/// The delivery is committed with the request's intent record, in one transaction, before the answer
/// is built, so an answer that names a delivery (and an `Idempotency-Key` that keeps it) never names
/// one the outbox lacks; a failed commit is a 503 with nothing stored. Its source is the principal,
/// its webhook id the request id (unique, so never a duplicate); each attempt is audited under the
/// request id, as a webhook's are.
extension Gateway {
    func deferLaunch(_ calls: RequestValidator.ManualCalls, serviceId: Int64, plannedMillis: Int64, principal: Principal,
                     request: GatewayRequest, draft: AuditDraft) async throws(Problem) -> GatewayResponse {
        guard let audit else {
            throw Problem(503, .auditUnavailable,
                          "Deferring a launch needs the durable outbox of an audit store; this gateway runs with --store none.")
        }
        let now = nowMillis()
        let delivery = NewDelivery(
            id: DeliveryID.generate(nowMillis: now), source: principal.name, webhookId: draft.requestId,
            operation: GatewayOperation.launchManualCalls.rawValue, serviceId: serviceId, payload: calls.request.liveVoxJSON,
            createdMillis: now, firstAttemptMillis: plannedMillis,
            windowQuery: DeliveryWindowQuery.encode(CallingWindowStage.entries(of: calls)))
        let event = AuditEvent(draft: draft, request: request, timeMillis: now, responseStatus: 0, problem: nil,
                               totalLatency: draft.arrived.duration(to: .now), outcome: .intent)
        guard let admission = await audit.commit(event, delivery: delivery, logger: logger) else {
            var problem = Problem(503, .auditUnavailable,
                                  "The audit trail could not record this request, so nothing was deferred; retry when /readyz answers 200.")
            problem.retryAfterSeconds = 5
            throw problem
        }
        deliveriesArrived?()
        return Self.deferred(admission.delivery)
    }

    /// `202 {"deliveryId","status","plannedAt"}` with `Location: /v1/deliveries/{id}`.
    static func deferred(_ delivery: Delivery) -> GatewayResponse {
        var out: [UInt8] = []
        appendPlan(delivery, to: &out)
        out.append(UInt8(ascii: "}"))
        var response = GatewayResponse.json(202, out)
        response.headers.append((name: "Location", value: "/v1/deliveries/\(delivery.id)"))
        return response
    }

    /// The opening of an accepted delivery's answer (deferred launches, webhooks): `{"deliveryId":…,
    /// "status":…,"plannedAt":…`, the object left open for the caller's members.
    static func appendPlan(_ delivery: Delivery, to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"deliveryId\":", to: &out)
        JSONBytes.appendString(delivery.id, to: &out)
        JSONBytes.appendRaw(",\"status\":", to: &out)
        JSONBytes.appendString(delivery.status.rawValue, to: &out)
        JSONBytes.appendRaw(",\"plannedAt\":", to: &out)
        JSONBytes.appendString(CallingWindows.utcText(delivery.firstAttemptMillis), to: &out)
    }
}
