/// How CallGate accepts JWT bearer tokens from internal services: which keys, issuers and audience,
/// and which claims describe the principal.
public struct JWTSettings: Sendable, Hashable {
    /// The shortest HS256 secret accepted, in bytes: RFC 7518 §3.2 asks for at least the hash size.
    public static let minimumHS256SecretLength = 32

    /// HS256 secrets (UTF-8 text); a token verifying under any one is accepted, so a secret can be
    /// rotated by adding the new one, switching the issuers, then removing the old one. Empty:
    /// HS256 tokens are refused.
    public var hs256Secrets: [String]
    /// A JWKS file (JSON, RFC 7517) of public keys: RSA keys for RS256, P-256 keys for ES256, each
    /// with its `kid`. `nil`: RS256 and ES256 tokens are refused.
    public var jwksFile: String?
    /// The accepted `iss` values; the claim is required.
    public var issuers: [String]
    /// CallGate's own name, which `aud` (a string or an array) must contain; the claim is required.
    public var audience: String
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    public var leewaySeconds: Int
    /// The claim holding the LiveVox role (Sysadmin, Superuser, Manager or Agent).
    public var roleClaim: String
    /// The claim holding the allowed service ids (an array of integers); absent means every service.
    public var servicesClaim: String
    /// The claim holding an Agent's agent login id.
    public var agentLoginIdClaim: String
    /// The claim holding the token's own rate limit, `{"requestsPerSecond": 20, "burst": 40}`;
    /// absent means the gateway's default limit.
    public var rateLimitClaim: String

    /// Creates settings; the claim names default to `role`, `services`, `agentLoginId` and `rateLimit`.
    public init(hs256Secrets: [String] = [], jwksFile: String? = nil, issuers: [String], audience: String,
                leewaySeconds: Int = 30, roleClaim: String = "role", servicesClaim: String = "services",
                agentLoginIdClaim: String = "agentLoginId", rateLimitClaim: String = "rateLimit") {
        self.hs256Secrets = hs256Secrets
        self.jwksFile = jwksFile
        self.issuers = issuers
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.roleClaim = roleClaim
        self.servicesClaim = servicesClaim
        self.agentLoginIdClaim = agentLoginIdClaim
        self.rateLimitClaim = rateLimitClaim
    }
}

/// Why JWT settings or their JWKS file cannot be used; the message names the setting or the key.
public struct JWTSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    init(_ description: String) { self.description = description }
}
