import ArgumentParser
import CallGate
import CallGateCore

/// A new identity as `keys create` and `webhooks add-source` take it: its name, its role,
/// optionally services, and for an Agent its agent login id.
struct IdentityOptions: ParsableArguments {
    @Option(help: "A unique name, as it will appear in logs and the audit trail.")
    var name: String

    @Option(help: "The LiveVox role: Sysadmin, Superuser, Manager or Agent.")
    var role: String

    @Option(help: "Comma-separated service ids it may use (default: every service).")
    var services: String?

    @Option(help: "For an Agent: the agent login id it schedules callbacks for (required for Agents).")
    var agentLoginId: String?

    func parsedRole() throws -> LiveVoxRole {
        guard let role = LiveVoxRole(name: role) else {
            throw ValidationError("Unknown role '\(role)'; use Sysadmin, Superuser, Manager or Agent.")
        }
        return role
    }

    func parsedServices() throws -> [Int64]? {
        guard let services else { return nil }
        let ids = try services.split(separator: ",").map { part -> Int64 in
            guard let id = Int64(part.trimmingASCIISpaces()), id > 0 else {
                throw ValidationError("'\(part)' in --services is not a service id (a positive integer).")
            }
            return id
        }
        guard !ids.isEmpty else { throw ValidationError("--services names no service; omit it to allow every service.") }
        return ids
    }

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("--name is empty.") }
        let role = try parsedRole()
        _ = try parsedServices()
        if role == .agent, agentLoginId == nil { throw ValidationError("An Agent needs --agent-login-id.") }
        if role != .agent, agentLoginId != nil { throw ValidationError("Only an Agent takes --agent-login-id.") }
    }
}

/// An identity's own rate limit, as `keys create` and `webhooks add-source` take it.
struct RateLimitOptions: ParsableArguments {
    @Option(help: "Its own rate limit, in requests per second (default: the gateway's --rate-limit-per-second).")
    var rateLimit: Double?

    @Option(help: "With --rate-limit: how many requests may come at once (default: twice the rate).")
    var burst: Int?

    func validate() throws {
        _ = try parsed()
    }

    func parsed() throws -> RateLimit? {
        guard let rateLimit else {
            if burst != nil { throw ValidationError("--burst needs --rate-limit.") }
            return nil
        }
        let limit = RateLimit(requestsPerSecond: rateLimit, burst: burst)
        if let problem = limit.problem(in: "--rate-limit/--burst") { throw ValidationError(problem) }
        return limit
    }
}
