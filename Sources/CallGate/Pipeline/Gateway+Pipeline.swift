import CallGateCore
import Logging

/// The path of every request, stage by stage. Each stage is a small file of this folder (or of
/// the surface that answers) and refuses with a typed ``Problem``; ``Gateway/respond(to:)`` renders
/// the refusal, counts it and audits it.
///
/// Authorization comes before the body is read: a caller that may not use an operation learns
/// nothing about its body and cannot make the gateway read a large one.
extension Gateway {
    func handle(_ request: GatewayRequest, draft: inout AuditDraft, logger: Logger) async throws(Problem) -> GatewayResponse {
        // Route (HTTP/GatewayRoute.swift): an unknown path or method is refused, and audited.
        let route: GatewayRoute
        switch GatewayRoute.parse(method: request.method, path: request.path, query: request.query) {
        case .success(let parsed): route = parsed
        case .failure(let problem):
            draft.isAudited = true
            // A request no route takes (404, 405, a malformed service id) counts as a failed
            // authentication, since it is how an anonymous flood reaches the trail, unless it
            // carries a valid key or token.
            if (try? authenticator.authenticate(request, surface: nil)) != nil { throw problem }
            throw refusingUnauthenticated(problem, request, draft: &draft)
        }
        draft.note(route)

        // Probes and the contract need no key (Surfaces/Probes).
        if let answer = try await probes.answer(route, path: request.path) { return answer }
        // Webhooks authenticate by their signature, not a key (Surfaces/Webhooks).
        if case .webhook(let operation) = route {
            guard let webhookIntake else { throw WebhookIntake.unavailable }
            do throws(Problem) {
                return try await webhookIntake.accept(request, operation: operation, draft: &draft)
            } catch {
                throw error.code == .unauthenticated ? refusingUnauthenticated(error, request, draft: &draft) : error
            }
        }

        // Authenticate (Authenticator.swift; failures past a limit per address get 429,
        // Gateway+FailedAuthentication.swift), rate-limit (RateLimitStage.swift), authorize:
        // role, then service (Authorization.swift).
        let principal: Principal
        do throws(Problem) {
            principal = try authenticator.authenticate(request, surface: route.surface)
        } catch {
            throw error.code == .unauthenticated ? refusingUnauthenticated(error, request, draft: &draft) : error
        }
        draft.principal = principal
        try rateLimits.admit(principal, draft: &draft)
        if let operation = route.operation {
            try Authorization.authorize(principal, operation: operation, serviceId: route.serviceId)
        }

        let answer: Result<GatewayResponse, Problem> = await RequestLogContext.$principal.withValue(principal.name) {
            do throws(Problem) {
                return .success(try await dispatch(route, request, principal, &draft, logger))
            } catch {
                return .failure(error)
            }
        }
        return try answer.get()
    }

    /// Hands an authorized request to the surface that answers it.
    private func dispatch(_ route: GatewayRoute, _ request: GatewayRequest, _ principal: Principal,
                          _ draft: inout AuditDraft, _ logger: Logger) async throws(Problem) -> GatewayResponse {
        switch route {
        case .queueStats, .nonAttemptedManualCalls, .launchManualCalls, .scheduleCallback:
            // Read and validate the body, forward, shape the answer (Surfaces/LiveVox), once per
            // Idempotency-Key on `/v1` (Gateway+IdempotencyStage.swift).
            if route.surface == .v1, route.isMutating, let key = request.header("idempotency-key") {
                return try await idempotent(key: key, route, request, principal, &draft, logger)
            }
            return try await operate(route, request, principal, &draft, logger)
        case .audit, .auditVerify:
            guard let auditEndpoints else { throw AuditEndpoints.noAuditTrail }
            return try await route == .audit ? auditEndpoints.query(request, by: principal) : auditEndpoints.verify(by: principal)
        case .deliveries, .delivery, .deliveryRetry, .deliveryCancel:
            guard let deliveryEndpoints else { throw DeliveryEndpoints.noOutbox }
            return try await deliveryEndpoints.answer(route, request, by: principal)
        case .callingWindow(let serviceId):
            return try callingWindowEndpoint.answer(request, serviceId: serviceId, draft: &draft)
        case .health, .readiness, .openAPI, .metrics, .webhook:
            preconditionFailure("answered before authentication")
        }
    }
}
