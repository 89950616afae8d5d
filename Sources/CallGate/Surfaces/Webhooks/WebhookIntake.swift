import CallGateCore
import CallGateStorage
import LiveVoxClient

/// Signed webhooks, accepted into the outbox.
///
/// The checks run in this order, each refusal a problem document, audited with its reason, and
/// nothing written to the outbox: body size (413, at the webhook limit, lower than the API's, since
/// the body is read before anything says who sent it), signature over the raw bytes before any parsing
/// (401, `reason` the webhook refusal code such as `stale_timestamp`), rate limit (429), media type
/// (415), JSON (400), `serviceId` (422), role and service (403), the `/v1` body (422), the Agent
/// rule (403), the calling window (422, `Pipeline/CallingWindowStage.swift`). A manual-call webhook
/// outside its window is not refused but deferred, unless its body says `"whenOutsideWindow":
/// "refuse"`: its delivery is due at the first instant within the week when every call is allowed
/// (422 when there is none), and the worker asks the window again before each attempt. A callback
/// outside it is refused, or moved to the next allowed instant when the source's `outsideWindow` is
/// `adjust` (or the body asks, `"adjust": "next_allowed"`). An accepted webhook is written to the outbox in the transaction of its audit record
/// (`Pipeline/Gateway+AuditStage.swift`) and answered 202 with its delivery id; LiveVox is called later,
/// by the `DeliveryWorker`. The same `webhook-id` from the same source gets the same delivery again.
struct WebhookIntake: Sendable {
    let sources: WebhookSourceStore
    let bodies: BodyReader
    let rateLimits: RateLimitStage
    let validation: BodyValidation
    let callingWindows: CallingWindowStage
    let nowMillis: @Sendable () -> Int64

    /// The answer when webhooks are off or there is no outbox to hold them.
    static var unavailable: Problem {
        Problem(503, .auditUnavailable, "Webhooks need the durable outbox of an audit store; this gateway runs with --store none.")
    }

    /// Checks the webhook and notes its delivery in `draft`; the answer's body is written once the
    /// outbox holds the delivery.
    func accept(_ request: GatewayRequest, operation: GatewayOperation, draft: inout AuditDraft) async throws(Problem) -> GatewayResponse {
        let bytes = try await bodies.bytes(request)
        let verified: WebhookVerifier.Verified
        switch sources.verify(id: request.header("webhook-id"), timestamp: request.header("webhook-timestamp"),
                              signature: request.header("webhook-signature"), rawBody: bytes) {
        case .success(let found): verified = found
        case .failure(let refusal):
            draft.reason = refusal.code
            throw Authenticator.unauthenticated(refusal.message)
        }
        let principal = verified.principal
        draft.principal = principal
        try rateLimits.admit(principal, draft: &draft)
        var body = try bodies.json(request, bytes)
        let serviceId: Int64
        switch Self.takeServiceId(from: &body) {
        case .success(let id): serviceId = id
        case .failure(let failure): throw Problem.validation(failure)
        }
        draft.serviceId = serviceId
        try Authorization.authorize(principal, operation: operation, serviceId: serviceId)

        let payload: [UInt8]
        var planned: Int64?
        var windowQuery: [UInt8]?
        switch operation {
        case .launchManualCalls:
            let calls = try validation.manualCalls(body, surface: .v1, draft: &draft)
            planned = try callingWindows.admit(calls, serviceId: serviceId, surface: .v1,
                                               deferring: calls.whenOutsideWindow != .refuse, draft: &draft)
            payload = calls.request.liveVoxJSON
            windowQuery = DeliveryWindowQuery.encode(CallingWindowStage.entries(of: calls))
        default:
            var callback = try validation.callback(body, surface: .v1, principal: principal, draft: &draft)
            callback.adjustsToCallingWindow = callback.adjustsToCallingWindow || verified.outsideWindow == .adjust
            try callingWindows.admit(&callback, serviceId: serviceId, draft: &draft)
            payload = callback.request.liveVoxJSON
        }
        let accepted = nowMillis()
        draft.delivery = NewDelivery(
            id: DeliveryID.generate(nowMillis: accepted), source: principal.name, webhookId: verified.webhookId,
            operation: operation.rawValue, serviceId: serviceId, payload: payload, createdMillis: accepted,
            firstAttemptMillis: planned, windowQuery: windowQuery)
        return GatewayResponse(status: 202, headers: [], body: [])
    }

    /// The 202 answer for a delivery the outbox holds: the new one, or the one an earlier copy of
    /// the same webhook created.
    static func accepted(_ admission: DeliveryAdmission) -> GatewayResponse {
        let delivery = admission.delivery
        var out: [UInt8] = []
        Gateway.appendPlan(delivery, to: &out)
        JSONBytes.appendRaw(",\"webhookId\":", to: &out)
        JSONBytes.appendString(delivery.webhookId, to: &out)
        JSONBytes.appendRaw(",\"duplicate\":", to: &out)
        if case .duplicate = admission { JSONBytes.appendRaw("true}", to: &out) } else { JSONBytes.appendRaw("false}", to: &out) }
        return .json(202, out)
    }

    /// Removes `serviceId` from a webhook body (the rest is a `/v1` body) and returns it.
    static func takeServiceId(from body: inout JSONValue) -> Result<Int64, ValidationFailure> {
        guard case .object(var members) = body else {
            return .failure(ValidationFailure(errors: [FieldIssue(
                pointer: "", code: FieldIssue.Code.wrongType.rawValue, detail: "The body must be a JSON object.")]))
        }
        guard let index = members.firstIndex(where: { $0.key == "serviceId" }) else {
            return .failure(ValidationFailure(errors: [FieldIssue(
                pointer: "/serviceId", code: FieldIssue.Code.required.rawValue,
                detail: "A webhook names its service: add \"serviceId\", a positive integer such as 21429.")]))
        }
        let value = members.remove(at: index).value
        guard case .integer(let id) = value, id > 0 else {
            return .failure(ValidationFailure(errors: [FieldIssue(
                pointer: "/serviceId", code: FieldIssue.Code.wrongType.rawValue,
                detail: "serviceId must be a positive integer such as 21429, not \(value.typeName).")]))
        }
        body = .object(members)
        return .success(id)
    }
}
