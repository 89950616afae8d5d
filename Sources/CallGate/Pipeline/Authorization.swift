import CallGateCore

/// What a principal may do: LiveVox's roles per operation (``RolePolicy``), the services a key is
/// limited to, and an Agent's own callbacks.
enum Authorization {
    /// The role check for `operation`, then the service check when there is a service.
    static func authorize(_ principal: Principal, operation: GatewayOperation, serviceId: Int64?) throws(Problem) {
        guard RolePolicy.allows(principal.role, operation) else {
            throw Problem(403, .forbiddenRole, RolePolicy.refusalDetail(principal.role, operation))
        }
        if let serviceId { try authorize(principal, serviceId: serviceId) }
    }

    /// The service check: a principal limited to services may name only those (an operation's
    /// service, or the `serviceId` filter of an admin read).
    static func authorize(_ principal: Principal, serviceId: Int64) throws(Problem) {
        guard !principal.mayUse(serviceId: serviceId) else { return }
        throw Problem(403, .forbiddenService,
                      "The key '\(principal.name)' may not use service \(serviceId); its services: \(servicesText(principal)).")
    }

    /// For what reads every service's records (the whole audit chain): only a principal limited
    /// to no services may.
    static func requireEveryService(_ principal: Principal, toDo action: String) throws(Problem) {
        guard principal.services != nil else { return }
        throw Problem(403, .forbiddenService,
                      "\(action) reads the records of every service, so it needs a key allowed every service; " +
                        "the key '\(principal.name)' is limited to services \(servicesText(principal)).")
    }

    private static func servicesText(_ principal: Principal) -> String {
        (principal.services ?? []).sorted().map(String.init).joined(separator: ", ")
    }

    /// An Agent schedules callbacks for itself only: its own login id is filled in when absent.
    static func applyAgentRule(_ principal: Principal, to callback: inout RequestValidator.Callback) throws(Problem) {
        guard let own = principal.agentLoginId else {
            throw Problem(403, .forbiddenAgent, "The Agent key '\(principal.name)' has no agentLoginId configured.")
        }
        if let requested = callback.request.agentLoginId, requested != own {
            throw Problem(403, .forbiddenAgent,
                          "An Agent may schedule callbacks only for itself: this key is agent '\(own)', the request names '\(requested)'.")
        }
        callback.request.agentLoginId = own
    }
}
