import CallGateCore
import CallGateStorage
import LiveVoxClient
import Logging

/// Signed webhooks, accepted into the outbox.
///
/// The checks run in this order, each refusal a problem document, audited with its reason, and
/// nothing written to the outbox: body size (413), signature over the raw bytes before any parsing
/// (401, `reason` the webhook refusal code such as `stale_timestamp`), rate limit (429), media type
/// (415), JSON (400), `serviceId` (422), role and service (403), the `/v1` body (422), the Agent
/// rule (403). An accepted webhook is written to the outbox in the transaction of its audit record
/// and answered 202 with its delivery id (`respond`); LiveVox is called later, by the
/// `DeliveryWorker`. The same `webhook-id` from the same source gets the same delivery again.
extension Gateway {
    func acceptWebhook(_ request: GatewayRequest, operation: GatewayOperation, draft: inout AuditDraft,
                       logger: Logger) async -> Result<GatewayResponse, Problem> {
        guard let webhooks, audit?.outbox != nil else {
            return .failure(Problem(503, .auditUnavailable,
                                    "Webhooks need the durable outbox of an audit store; this gateway runs with --store none."))
        }
        let bytes: [UInt8]
        switch await readBody(request) {
        case .success(let read): bytes = read
        case .failure(let problem): return .failure(problem)
        }
        let verified: WebhookVerifier.Verified
        switch webhooks.verify(id: request.header("webhook-id"), timestamp: request.header("webhook-timestamp"),
                               signature: request.header("webhook-signature"), rawBody: bytes) {
        case .success(let found): verified = found
        case .failure(let refusal):
            draft.reason = refusal.code
            return .failure(Self.unauthenticated(refusal.message))
        }
        let principal = verified.principal
        draft.principal = principal
        if let problem = limitRate(principal, &draft) { return .failure(problem) }
        var body: JSONValue
        switch parseJSON(request, bytes) {
        case .success(let value): body = value
        case .failure(let problem): return .failure(problem)
        }
        let serviceId: Int64
        switch Self.takeServiceId(from: &body) {
        case .success(let id): serviceId = id
        case .failure(let failure): return .failure(.validation(failure))
        }
        draft.serviceId = serviceId
        if let problem = authorize(principal, operation: operation, serviceId: serviceId) { return .failure(problem) }

        let payload: [UInt8]
        switch operation {
        case .launchManualCalls:
            switch configuration.validator.manualCalls(body, surface: .v1) {
            case .success(let valid):
                draft.phones = valid.phones.map(\.national)
                draft.entryCount = valid.phones.count
                payload = LiveVoxJSON.encode(valid.request)
            case .failure(let failure):
                draft.noteRefused(body, failure: failure, surface: .v1, allowed: configuration.validator.allowedRegions)
                return .failure(.validation(failure))
            }
        default:
            switch configuration.validator.callback(body, surface: .v1, nowMillis: nowMillis()) {
            case .success(var valid):
                draft.phones = [valid.phone.national]
                draft.entryCount = 1
                if principal.role == .agent, case .failure(let problem) = Self.applyAgentRule(principal, to: &valid) {
                    return .failure(problem)
                }
                payload = valid.request.liveVoxJSON
            case .failure(let failure):
                draft.noteRefused(body, failure: failure, surface: .v1, allowed: configuration.validator.allowedRegions)
                return .failure(.validation(failure))
            }
        }
        let accepted = nowMillis()
        draft.delivery = NewDelivery(
            id: DeliveryID.generate(nowMillis: accepted), source: principal.name, webhookId: verified.webhookId,
            operation: operation.rawValue, serviceId: serviceId, payload: payload, createdMillis: accepted)
        // The body is written once the outbox has the delivery (see `respond`).
        return .success(GatewayResponse(status: 202, headers: [], body: []))
    }

    /// The 202 answer for a delivery the outbox holds: the new one, or the one an earlier copy of
    /// the same webhook created.
    static func accepted(_ admission: DeliveryAdmission) -> GatewayResponse {
        let delivery = admission.delivery
        var out: [UInt8] = []
        JSONBytes.appendRaw("{\"deliveryId\":", to: &out)
        JSONBytes.appendString(delivery.id, to: &out)
        JSONBytes.appendRaw(",\"status\":", to: &out)
        JSONBytes.appendString(delivery.status.rawValue, to: &out)
        JSONBytes.appendRaw(",\"webhookId\":", to: &out)
        JSONBytes.appendString(delivery.webhookId, to: &out)
        JSONBytes.appendRaw(",\"duplicate\":", to: &out)
        if case .duplicate = admission { JSONBytes.appendRaw("true}", to: &out) } else { JSONBytes.appendRaw("false}", to: &out) }
        return json(202, out)
    }

    /// Removes `serviceId` from a webhook body (the rest is a `/v1` body) and returns it.
    static func takeServiceId(from body: inout JSONValue) -> Result<Int64, ValidationFailure> {
        guard case .object(var members) = body else {
            return .failure(ValidationFailure(errors: [FieldError(
                pointer: "", code: FieldError.Code.wrongType.rawValue, detail: "The body must be a JSON object.")]))
        }
        guard let index = members.firstIndex(where: { $0.key == "serviceId" }) else {
            return .failure(ValidationFailure(errors: [FieldError(
                pointer: "/serviceId", code: FieldError.Code.required.rawValue,
                detail: "A webhook names its service: add \"serviceId\", a positive integer such as 21429.")]))
        }
        let value = members.remove(at: index).value
        guard case .integer(let id) = value, id > 0 else {
            return .failure(ValidationFailure(errors: [FieldError(
                pointer: "/serviceId", code: FieldError.Code.wrongType.rawValue,
                detail: "serviceId must be a positive integer such as 21429, not \(value.typeName).")]))
        }
        body = .object(members)
        return .success(id)
    }
}

/// Delivery ids: `dlv_`, the acceptance time in milliseconds as 9 base-36 digits, then 17 random
/// base-36 characters (87 bits) from the system's random generator. Ids made later sort later, so
/// the outbox's id index grows at its end (one page per commit) instead of taking each new id on
/// a random page of its own. Random bytes are read 32 at a time (four system calls, not one per
/// character): a byte below 252 gives one character (byte % 36, unbiased since 252 = 7 × 36).
enum DeliveryID {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    static let timeDigits = 9
    static let randomCharacters = 17

    static func generate(nowMillis: Int64) -> String {
        var characters: [UInt8] = Array("dlv_".utf8)
        characters.reserveCapacity(4 + timeDigits + randomCharacters)
        var time = max(0, nowMillis)
        var digits = [UInt8](repeating: alphabet[0], count: timeDigits)
        for index in stride(from: timeDigits - 1, through: 0, by: -1) {
            digits[index] = alphabet[Int(time % 36)]
            time /= 36
        }
        characters += digits
        var generator = SystemRandomNumberGenerator()
        let count = characters.count + randomCharacters
        while characters.count < count {
            var bytes: (UInt64, UInt64, UInt64, UInt64) = (generator.next(), generator.next(), generator.next(), generator.next())
            withUnsafeBytes(of: &bytes) { raw in
                for byte in raw where byte < 252 && characters.count < count {
                    characters.append(alphabet[Int(byte % 36)])
                }
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
