import CallGateCore
import LiveVoxClient
import Logging

/// The four LiveVox operations, on either surface: read and validate the body (launches and
/// callbacks), check their calling window (`Pipeline/CallingWindowStage.swift`), commit their intent record (they act at LiveVox), forward, and let the surface
/// shape the answer.
extension Gateway {
    func operate(_ route: GatewayRoute, _ request: GatewayRequest, _ principal: Principal, _ draft: inout AuditDraft,
                 _ logger: Logger) async throws(Problem) -> GatewayResponse {
        switch route.surface {
        case .compatible?:
            try await operate(route, request, principal, &draft, logger, answers: CompatibleAnswers())
        case .v1?:
            try await operate(route, request, principal, &draft, logger, answers: V1Answers(upstreamTimeZone: configuration.upstreamTimeZone))
        case nil:
            preconditionFailure("\(route) is not a LiveVox operation")
        }
    }

    private func operate<Answers: SurfaceAnswers>(
        _ route: GatewayRoute, _ request: GatewayRequest, _ principal: Principal, _ draft: inout AuditDraft,
        _ logger: Logger, answers: Answers
    ) async throws(Problem) -> GatewayResponse {
        let requestId = draft.requestId
        let client = forwarder.client
        switch route {
        case .queueStats(let serviceId, _):
            let response = try await forwarder.forward(&draft) { () async throws(LiveVoxError) in
                try await client.queueStats(serviceId: serviceId, requestId: requestId, logger: logger)
            }
            return try answers.queueStats(response, serviceId: serviceId)
        case .nonAttemptedManualCalls(let serviceId, _):
            let filter = try answers.nonAttemptedFilter(query: request.query)
            let response = try await forwarder.forward(&draft) { () async throws(LiveVoxError) in
                try await client.nonAttemptedManualCalls(serviceId: serviceId, requestId: requestId, logger: logger)
            }
            return try answers.nonAttempted(response, serviceId: serviceId, filter: filter)
        case .launchManualCalls(let serviceId, let surface):
            let calls = try validation.manualCalls(try await bodies.json(request), surface: surface, draft: &draft)
            if let planned = try callingWindows.admit(calls, serviceId: serviceId, surface: surface,
                                                      deferring: calls.whenOutsideWindow == .defer, draft: &draft) {
                return try await deferLaunch(calls, serviceId: serviceId, plannedMillis: planned, principal: principal,
                                             request: request, draft: draft)
            }
            try await recordIntent(draft, of: request)
            let response = try await forwarder.forward(&draft) { () async throws(LiveVoxError) in
                try await client.launchManualCalls(serviceId: serviceId, calls.request, requestId: requestId, logger: logger)
            }
            return try answers.launched(response, serviceId: serviceId, calls: calls)
        case .scheduleCallback(let serviceId, let surface):
            var callback = try validation.callback(try await bodies.json(request), surface: surface, principal: principal, draft: &draft)
            try callingWindows.admit(&callback, serviceId: serviceId, draft: &draft)
            try await recordIntent(draft, of: request)
            let response = try await forwarder.forward(&draft) { () async throws(LiveVoxError) in
                try await client.scheduleCallback(serviceId: serviceId, callback.request, requestId: requestId, logger: logger)
            }
            return try answers.scheduled(response, serviceId: serviceId, callback: callback)
        default:
            preconditionFailure("\(route) is not a LiveVox operation")
        }
    }
}
