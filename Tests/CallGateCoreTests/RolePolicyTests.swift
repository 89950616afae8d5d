import Testing

@testable import CallGateCore

@Suite("Role policy")
struct RolePolicyTests {
    static let expected: [(LiveVoxRole, GatewayOperation, Bool)] = {
        let table: [GatewayOperation: [LiveVoxRole]] = [
            .getQueueStats: [.sysadmin, .superuser, .manager],
            .getNonAttemptedManualCalls: [.sysadmin, .superuser, .manager],
            .launchManualCalls: [.sysadmin, .superuser, .manager],
            .scheduleCallback: [.sysadmin, .superuser, .manager, .agent],
            .readAudit: [.sysadmin, .superuser],
            .administerDeliveries: [.sysadmin, .superuser],
            .checkCallingWindow: [.sysadmin, .superuser, .manager, .agent],
        ]
        return LiveVoxRole.allCases.flatMap { role in
            GatewayOperation.allCases.map { operation in (role, operation, table[operation]!.contains(role)) }
        }
    }()

    @Test("Every role against every operation", arguments: expected)
    func decision(role: LiveVoxRole, operation: GatewayOperation, allowed: Bool) {
        #expect(RolePolicy.allows(role, operation) == allowed)
    }

    @Test("Role names parse case-insensitively and nothing else", arguments: [
        ("Sysadmin", LiveVoxRole.sysadmin), ("SUPERUSER", .superuser), ("manager", .manager), ("aGeNt", .agent),
    ])
    func roleNames(name: String, role: LiveVoxRole) {
        #expect(LiveVoxRole(name: name) == role)
    }

    @Test("Unknown role names are refused", arguments: ["", "admin", "Managers", " Agent"])
    func unknownRole(name: String) {
        #expect(LiveVoxRole(name: name) == nil)
    }

    @Test("A refusal names the allowed roles")
    func refusalDetail() {
        #expect(RolePolicy.refusalDetail(.agent, .launchManualCalls)
                == "The role Agent may not launch manual calls; allowed roles: Sysadmin, Superuser, Manager.")
    }
}
