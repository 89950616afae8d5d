import CallGateAuditFilters
import CallGateCore
import CallGateStorage

/// `GET /v1/deliveries`, `GET /v1/deliveries/{id}`, `POST /v1/deliveries/{id}/retry` and
/// `DELETE /v1/deliveries/{id}` (cancel a pending one, such as a launch deferred to its calling
/// window): the outbox for Sysadmin and Superuser. Each is audited as any request is (method and
/// path in the record name the delivery). A delivery is shown without its payload (it holds
/// phone numbers; the audit record of its webhook has them masked and fingerprinted). A principal
/// limited to services sees only their deliveries; another service's is answered as unknown (404),
/// so its existence is not revealed.
struct DeliveryEndpoints: Sendable {
    let outbox: any OutboxStore
    /// Wakes the delivery worker after a retry.
    let deliveriesArrived: (@Sendable () -> Void)?
    let nowMillis: @Sendable () -> Int64

    static var noOutbox: Problem {
        Problem(503, .auditUnavailable, "This gateway runs with --store none: it has no outbox.")
    }

    func answer(_ route: GatewayRoute, _ request: GatewayRequest, by principal: Principal) async throws(Problem) -> GatewayResponse {
        var out: [UInt8] = []
        let services = principal.services
        switch route {
        case .delivery(let id):
            guard let delivery = try await store({ () async throws(AuditStoreError) in
                try await outbox.delivery(id: id, services: services)
            }) else {
                throw Problem(404, .notFound, "No delivery has the id '\(id)'.")
            }
            Self.appendJSON(delivery, to: &out)
        case .deliveryRetry(let id):
            let delivery = try await store { () async throws(AuditStoreError) in
                try await outbox.retryDelivery(id: id, services: services, nowMillis: nowMillis())
            }
            deliveriesArrived?()
            Self.appendJSON(delivery, to: &out)
        case .deliveryCancel(let id):
            let delivery = try await store(conflict: .deliveryNotCancellable) { () async throws(AuditStoreError) in
                try await outbox.cancelDelivery(id: id, services: services, nowMillis: nowMillis())
            }
            Self.appendJSON(delivery, to: &out)
        default:
            let (status, limit, cursor) = try Self.deliveryQuery(request.query).get()
            let page = try await store { () async throws(AuditStoreError) in
                try await outbox.deliveries(status: status, services: services, limit: limit, beforeCursor: cursor)
            }
            return JSONPage.response("deliveries", page.deliveries, nextCursor: page.nextCursor, Self.appendJSON)
        }
        return .json(200, out)
    }

    /// The outbox's answer; its refusals and failures as problems (a transition the delivery's
    /// status does not allow as `conflict`).
    private func store<Answer>(conflict: Problem.Code = .deliveryNotRetryable,
                               _ call: () async throws(AuditStoreError) -> Answer) async throws(Problem) -> Answer {
        do {
            return try await call()
        } catch {
            switch error.code {
            case .notFound: throw Problem(404, .notFound, error.detail)
            case .conflict: throw Problem(409, conflict, error.detail)
            default: throw AuditEndpoints.storeProblem(error)
            }
        }
    }

    /// `status`, `limit` (1...1000, default 100) and `cursor` (from `nextCursor`).
    static func deliveryQuery(_ query: String?) -> Result<(DeliveryStatus?, Int, Int64?), Problem> {
        AuditFilters.pairs(fromQuery: query).flatMap { pairs -> Result<(DeliveryStatus?, Int, Int64?), AuditFilterError> in
            var status: DeliveryStatus?
            var limit = 100
            var cursor: Int64?
            for (name, value) in pairs {
                switch name {
                case "status":
                    guard let parsed = DeliveryStatus(rawValue: value) else {
                        return .failure(AuditFilterError(
                            .invalidValue, parameter: name,
                            reason: "is '\(AuditFilters.shown(value))': use pending, sending, delivered, dead, unknown or cancelled"))
                    }
                    status = parsed
                case "limit":
                    switch AuditFilters.limit(value) {
                    case .success(let parsed): limit = parsed
                    case .failure(let refusal): return .failure(refusal)
                    }
                case "cursor":
                    switch AuditFilters.cursor(value) {
                    case .success(let parsed): cursor = parsed
                    case .failure(let refusal): return .failure(refusal)
                    }
                default:
                    return .failure(AuditFilterError(
                        .unknownParameter, parameter: name, reason: "is not a parameter of the deliveries; they take status, limit and cursor"))
                }
            }
            return .success((status, limit, cursor))
        }.mapError { Problem($0) }
    }

    /// One delivery as JSON (no payload). `plannedAt` is when its first attempt is due: its creation,
    /// or the opening of the calling window it was deferred to.
    static func appendJSON(_ delivery: Delivery, to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"id\":", to: &out)
        JSONBytes.appendString(delivery.id, to: &out)
        for (name, value) in [("status", delivery.status.rawValue), ("source", delivery.source),
                              ("webhookId", delivery.webhookId), ("operation", delivery.operation),
                              ("requestId", delivery.requestId)] {
            JSONBytes.appendRaw(",", to: &out)
            JSONBytes.appendString(name, to: &out)
            JSONBytes.appendRaw(":", to: &out)
            JSONBytes.appendString(value, to: &out)
        }
        JSONBytes.appendRaw(",\"serviceId\":", to: &out)
        JSONBytes.appendInteger(delivery.serviceId, to: &out)
        JSONBytes.appendRaw(",\"attempts\":", to: &out)
        JSONBytes.appendInteger(delivery.attempts, to: &out)
        for (name, millis) in [("createdAt", delivery.createdMillis), ("updatedAt", delivery.updatedMillis),
                               ("nextAttemptAt", delivery.nextAttemptMillis), ("plannedAt", delivery.firstAttemptMillis)] {
            JSONBytes.appendRaw(",", to: &out)
            JSONBytes.appendString(name, to: &out)
            JSONBytes.appendRaw(":", to: &out)
            JSONBytes.appendString(AuditRecordFormat.utc(millis), to: &out)
        }
        JSONBytes.appendRaw(",\"lastError\":", to: &out)
        if let error = delivery.lastError { JSONBytes.appendString(error, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        JSONBytes.appendRaw(",\"upstreamStatus\":", to: &out)
        if let status = delivery.upstreamStatus { JSONBytes.appendInteger(status, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        out.append(UInt8(ascii: "}"))
    }
}
