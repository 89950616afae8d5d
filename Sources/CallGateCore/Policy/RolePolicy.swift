/// LiveVox's security roles, as LiveVox spells them.
public enum LiveVoxRole: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case sysadmin = "Sysadmin"
    case superuser = "Superuser"
    case manager = "Manager"
    case agent = "Agent"

    /// Parses a role name case-insensitively (`manager`, `MANAGER`, `Manager`).
    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = role
    }

    /// Roles order by privilege, Sysadmin first.
    public static func < (lhs: LiveVoxRole, rhs: LiveVoxRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Everything a caller can ask CallGate to do, as the role policy names it.
public enum GatewayOperation: String, Sendable, Hashable, CaseIterable, Codable {
    case getQueueStats = "get_queue_stats"
    case getNonAttemptedManualCalls = "get_non_attempted_manual_calls"
    case launchManualCalls = "launch_manual_calls"
    case scheduleCallback = "schedule_callback"
    case readAudit = "read_audit"
    case administerDeliveries = "administer_deliveries"
    case checkCallingWindow = "check_calling_window"
}

/// The one place that decides which role may do what.
///
/// The four LiveVox operations follow the "User Roles" line of each operation in the Supervisor
/// Calls reference; the audit trail and delivery administration are CallGate's own and are kept
/// to Sysadmin and Superuser.
public enum RolePolicy {
    /// The roles allowed to perform each operation.
    public static let allowedRoles: [GatewayOperation: Set<LiveVoxRole>] = [
        .getQueueStats: [.sysadmin, .superuser, .manager],
        .getNonAttemptedManualCalls: [.sysadmin, .superuser, .manager],
        .launchManualCalls: [.sysadmin, .superuser, .manager],
        .scheduleCallback: [.sysadmin, .superuser, .manager, .agent],
        .readAudit: [.sysadmin, .superuser],
        .administerDeliveries: [.sysadmin, .superuser],
        // Asking whether a call may start now acts at nothing: every role may, for its services.
        .checkCallingWindow: [.sysadmin, .superuser, .manager, .agent],
    ]

    /// Whether `role` may perform `operation`.
    public static func allows(_ role: LiveVoxRole, _ operation: GatewayOperation) -> Bool {
        allowedRoles[operation]?.contains(role) ?? false
    }

    /// A sentence for a refusal: which roles would have been allowed.
    public static func refusalDetail(_ role: LiveVoxRole, _ operation: GatewayOperation) -> String {
        let allowed = (allowedRoles[operation] ?? []).sorted().map(\.rawValue).joined(separator: ", ")
        return "The role \(role.rawValue) may not \(operation.rawValue.split(separator: "_").joined(separator: " ")); allowed roles: \(allowed)."
    }
}
