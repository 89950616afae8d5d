import CallGateCore

/// Who is calling: the identity an API key, a webhook source, a JWT or a client certificate stands for.
public struct Principal: Sendable, Hashable {
    /// How the caller proved who it is.
    public enum AuthMethod: String, Sendable, Hashable {
        /// An API key (`Authorization: Bearer cgk_...` or `X-API-Key`).
        case apiKey = "api_key"
        /// A signed webhook (Standard Webhooks), from a configured source.
        case webhook = "webhook"
        /// A JWT bearer token from an internal service.
        case jwt = "jwt"
        /// A client certificate, under mutual TLS, whose subject a keys-file entry names.
        case mtls = "mtls"
    }

    /// The principal's name, as it appears in logs and the audit trail.
    public let name: String
    /// The LiveVox role the principal acts with.
    public let role: LiveVoxRole
    /// The service ids the principal may use; `nil` means every service.
    public let services: Set<Int64>?
    /// For an Agent: the only agent login id it may schedule callbacks for.
    public let agentLoginId: String?
    /// How the principal authenticated.
    public let authMethod: AuthMethod
    /// The principal's own rate limit; nil means the gateway's default (if any).
    public let rateLimit: RateLimit?

    /// Creates a principal.
    public init(name: String, role: LiveVoxRole, services: Set<Int64>?, agentLoginId: String?, authMethod: AuthMethod,
                rateLimit: RateLimit? = nil) {
        self.name = name
        self.role = role
        self.services = services
        self.agentLoginId = agentLoginId
        self.authMethod = authMethod
        self.rateLimit = rateLimit
    }

    /// The key its rate is counted under: a key and a webhook source may share a name.
    var rateLimitKey: String { "\(authMethod.rawValue):\(name)" }

    /// Whether the principal may use `serviceId`.
    public func mayUse(serviceId: Int64) -> Bool {
        services?.contains(serviceId) ?? true
    }
}
