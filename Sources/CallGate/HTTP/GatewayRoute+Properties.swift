import CallGateCore

extension GatewayRoute {
    /// Whether requests on the route are recorded in the audit trail: every LiveVox operation
    /// (refused or not); not the probes and the contract, which are read by machines all day.
    var isAudited: Bool {
        switch self {
        case .queueStats, .nonAttemptedManualCalls, .launchManualCalls, .scheduleCallback, .audit, .auditVerify,
             .webhook, .deliveries, .delivery, .deliveryRetry, .deliveryCancel, .callingWindow: true
        case .health, .readiness, .openAPI, .metrics: false
        }
    }

    /// The name metrics and the audit give the route: the policy's operation, or the probe's name.
    var operationName: String {
        switch self {
        case .health: "health"
        case .readiness: "readiness"
        case .openAPI: "openapi"
        case .metrics: "metrics"
        default: operation?.rawValue ?? "unknown"
        }
    }

    /// Whether the route asks LiveVox to act (launch calls, schedule a callback).
    var isMutating: Bool {
        switch self {
        case .launchManualCalls, .scheduleCallback: true
        default: false
        }
    }

    /// The surface of a LiveVox operation.
    var surface: Surface? {
        switch self {
        case .queueStats(_, let surface), .nonAttemptedManualCalls(_, let surface),
             .launchManualCalls(_, let surface), .scheduleCallback(_, let surface): surface
        case .health, .readiness, .openAPI, .metrics, .audit, .auditVerify, .webhook, .deliveries, .delivery, .deliveryRetry, .deliveryCancel,
             .callingWindow: nil
        }
    }
}
