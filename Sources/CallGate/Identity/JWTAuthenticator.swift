import CallGateCore
import Foundation
import JWTKit

/// Authenticates JWT bearer tokens from internal services (HS256, RS256, ES256) as principals.
///
/// CallGate chooses the key, and the key fixes the algorithm: an HS256 token is checked against
/// the HS256 secrets only, an RS256 or ES256 token against the JWKS key its `kid` names, and only
/// when that key is of the token's algorithm. A public key is never used as an HMAC secret
/// (algorithm confusion), `none` is never accepted, and an unknown `kid` is refused rather than
/// tried against some default key.
///
/// The keys are prepared once, at creation; verifying a token touches no shared mutable state, so
/// any number of requests verify at once. To pick up new keys, create a new authenticator.
public final class JWTAuthenticator: Sendable {
    /// The algorithms CallGate can accept, when a key for them is configured.
    public static let supportedAlgorithms = ["HS256", "RS256", "ES256"]

    /// The settings in force.
    public let settings: JWTSettings
    /// The algorithms with at least one key configured, in ``supportedAlgorithms`` order.
    public let enabledAlgorithms: [String]
    private let hmacKeys: [any JWTAlgorithm]
    private let publicKeys: [String: PublicKey]

    /// A JWKS key, ready to verify, with the one algorithm it may be used with.
    private struct PublicKey: Sendable {
        let algorithm: String
        let verifier: any JWTAlgorithm
    }

    /// Checks the settings and prepares the keys (reading the JWKS file, if any).
    public init(settings: JWTSettings) async throws(JWTSettingsError) {
        guard !settings.issuers.isEmpty, !settings.issuers.contains("") else {
            throw JWTSettingsError("No accepted issuer: name at least one iss value.")
        }
        guard !settings.audience.isEmpty else { throw JWTSettingsError("The audience is empty: name CallGate's aud value.") }
        guard settings.leewaySeconds >= 0 else { throw JWTSettingsError("The leeway is negative: give 0 or more seconds.") }
        guard !settings.hs256Secrets.isEmpty || settings.jwksFile != nil else {
            throw JWTSettingsError("Neither an HS256 secret nor a JWKS file is set: no token could be verified.")
        }
        var hmacKeys: [any JWTAlgorithm] = []
        for (index, secret) in settings.hs256Secrets.enumerated() {
            guard secret.utf8.count >= JWTSettings.minimumHS256SecretLength else {
                throw JWTSettingsError("HS256 secret #\(index + 1) has \(secret.utf8.count) bytes; at least \(JWTSettings.minimumHS256SecretLength) are needed.")
            }
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            hmacKeys.append(try await Self.verifier(of: collection, describing: "HS256 secret #\(index + 1)"))
        }
        var publicKeys: [String: PublicKey] = [:]
        if let path = settings.jwksFile {
            publicKeys = try await Self.loadJWKS(path: path)
        }

        self.settings = settings
        self.hmacKeys = hmacKeys
        self.publicKeys = publicKeys
        let configured = Set(publicKeys.values.map(\.algorithm) + (hmacKeys.isEmpty ? [] : ["HS256"]))
        self.enabledAlgorithms = Self.supportedAlgorithms.filter(configured.contains)
    }

    /// Whether a bearer credential should be tried as a JWT: API keys start with `cgk_`; anything
    /// else with exactly two dots (header.payload.signature) is a JWT candidate.
    public static func isCandidate(_ credential: some StringProtocol) -> Bool {
        !credential.hasPrefix(APIKey.prefix) && credential.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
    }

    /// The principal a token stands for, or why it is refused. The checks run in this order:
    /// shape, algorithm, key, signature, `exp`, `nbf`, `iss`, `aud`, `sub`, role, services, Agent.
    public func authenticate(token: String, now: Date = Date()) -> Result<Principal, JWTRefusal> {
        let bytes = Array(token.utf8)
        let parsed: (header: JWTHeader, payload: JWTClaimSet, signature: Data)
        do {
            parsed = try DefaultJWTParser().parse(bytes, as: JWTClaimSet.self)
        } catch {
            return .failure(.malformedToken)
        }
        guard let algorithm = parsed.header.alg, enabledAlgorithms.contains(algorithm) else {
            return .failure(.unsupportedAlgorithm(accepted: enabledAlgorithms))
        }
        let candidates: [any JWTAlgorithm]
        if let kid = parsed.header.kid, let key = publicKeys[kid] {
            guard key.algorithm == algorithm else { return .failure(.algorithmMismatch(keyAlgorithm: key.algorithm)) }
            candidates = [key.verifier]
        } else if algorithm == "HS256" {
            candidates = hmacKeys
        } else {
            return .failure(.unknownKey)
        }
        // The signing input is the token up to its second dot, which parsing has just found.
        guard let end = bytes.lastIndex(of: UInt8(ascii: ".")) else { return .failure(.malformedToken) }
        let verified = candidates.reduce(false) { found, candidate in
            ((try? candidate.verify(parsed.signature, signs: bytes[..<end])) ?? false) || found
        }
        guard verified else { return .failure(.badSignature) }
        return principal(from: parsed.payload, now: now.timeIntervalSince1970)
    }

    /// The time, issuer, audience and principal claims of a token whose signature is good.
    private func principal(from claims: JWTClaimSet, now: Double) -> Result<Principal, JWTRefusal> {
        let leeway = Double(settings.leewaySeconds)
        guard let expiration = claims.number(JWTClaimSet.expiration) else { return .failure(.missingExpiration) }
        guard now < expiration + leeway else { return .failure(.expired(secondsAgo: Self.wholeSeconds(now - expiration))) }
        if let notBefore = claims.number(JWTClaimSet.notBefore), now + leeway < notBefore {
            return .failure(.notYetValid(secondsAhead: Self.wholeSeconds(notBefore - now)))
        }
        guard let issuer = claims.string(JWTClaimSet.issuer), settings.issuers.contains(issuer) else {
            return .failure(.wrongIssuer)
        }
        guard claims.strings(JWTClaimSet.audience).contains(settings.audience) else { return .failure(.wrongAudience) }
        guard let subject = claims.string(JWTClaimSet.subject), !subject.isEmpty else { return .failure(.missingSubject) }
        guard let roleName = claims.string(settings.roleClaim) else { return .failure(.missingRole(claim: settings.roleClaim)) }
        guard let role = LiveVoxRole(name: roleName) else { return .failure(.unknownRole(claim: settings.roleClaim)) }
        let services: Set<Int64>?
        switch claims.fields[settings.servicesClaim] {
        case nil:
            services = nil
        case .array(let values) where !values.isEmpty:
            let ids = values.compactMap { value -> Int64? in
                guard case .int(let id) = value, id > 0 else { return nil }
                return Int64(id)
            }
            guard ids.count == values.count else { return .failure(.malformedServices(claim: settings.servicesClaim)) }
            services = Set(ids)
        default:
            return .failure(.malformedServices(claim: settings.servicesClaim))
        }
        var agentLoginId: String?
        if role == .agent {
            guard let id = claims.string(settings.agentLoginIdClaim), !id.isEmpty else {
                return .failure(.agentWithoutLoginId(claim: settings.agentLoginIdClaim))
            }
            agentLoginId = id
        }
        var rateLimit: RateLimit?
        if let claim = claims.fields[settings.rateLimitClaim] {
            guard let limit = Self.rateLimit(claim) else { return .failure(.malformedRateLimit(claim: settings.rateLimitClaim)) }
            rateLimit = limit
        }
        return .success(Principal(name: subject, role: role, services: services, agentLoginId: agentLoginId, authMethod: .jwt,
                                  rateLimit: rateLimit))
    }

    /// The token's own rate limit: `{"requestsPerSecond": 20, "burst": 40}` (burst optional), or
    /// nil when the claim is not such an object or names an unusable limit.
    static func rateLimit(_ claim: JWTHeaderField) -> RateLimit? {
        guard case .object(let members) = claim, Set(members.keys).isSubset(of: ["requestsPerSecond", "burst"]) else { return nil }
        guard let rate = members["requestsPerSecond"].flatMap(JWTClaimSet.number) else { return nil }
        var burst: Int?
        switch members["burst"] {
        case nil: break
        case .int(let value): burst = value
        default: return nil
        }
        let limit = RateLimit(requestsPerSecond: rate, burst: burst)
        return limit.problem(in: "") == nil ? limit : nil
    }

    /// A positive interval in whole seconds, rounded up, capped so that absurd claims cannot overflow.
    private static func wholeSeconds(_ interval: Double) -> Int {
        Int(min(interval, 1e12).rounded(.up))
    }

    /// Reads a JWKS file: RSA keys (RS256) and P-256 keys (ES256), public only, each with a unique `kid`.
    private static func loadJWKS(path: String) async throws(JWTSettingsError) -> [String: PublicKey] {
        let jwks: JWKS
        do {
            jwks = try JSONDecoder().decode(JWKS.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw JWTSettingsError("Cannot read the JWKS file \(path): \(error)")
        }
        var table: [String: PublicKey] = [:]
        for (index, jwk) in jwks.keys.enumerated() {
            guard let kid = jwk.keyIdentifier?.string, !kid.isEmpty else {
                throw JWTSettingsError("\(path), key #\(index + 1): kid is missing; tokens name their key by kid.")
            }
            let position = "\(path), key #\(index + 1) (\(kid))"
            guard table[kid] == nil else { throw JWTSettingsError("\(position): kid is used by another key; kids must be unique.") }
            guard jwk.privateExponent == nil else {
                throw JWTSettingsError("\(position): the key is private (it has d); the JWKS file holds public keys only.")
            }
            let collection = JWTKeyCollection()
            let algorithm: String
            do {
                switch (jwk.keyType, jwk.modulus, jwk.exponent, jwk.x, jwk.y) {
                case (.rsa, let modulus?, let exponent?, _, _) where jwk.algorithm == nil || jwk.algorithm == .rs256:
                    algorithm = "RS256"
                    let key = try Insecure.RSA.PublicKey(modulus: modulus, exponent: exponent)
                    await collection.add(rsa: key, digestAlgorithm: .sha256)
                case (.ecdsa, _, _, let x?, let y?) where jwk.curve?.rawValue == "P-256" && (jwk.algorithm == nil || jwk.algorithm == .es256):
                    algorithm = "ES256"
                    let key = try ES256PublicKey(parameters: (x, y))
                    await collection.add(ecdsa: key)
                default:
                    throw JWTSettingsError("\(position): not an RSA key (n, e) for RS256 nor a P-256 EC key (x, y) for ES256.")
                }
            } catch let error as JWTSettingsError {
                throw error
            } catch {
                throw JWTSettingsError("\(position): not a usable public key (RSA keys need at least 2048 bits): \(error)")
            }
            table[kid] = PublicKey(algorithm: algorithm, verifier: try await verifier(of: collection, describing: position))
        }
        return table
    }

    /// The one key of `collection`, as a verifier: jwt-kit builds its signers inside a collection only.
    private static func verifier(of collection: JWTKeyCollection, describing key: String) async throws(JWTSettingsError) -> any JWTAlgorithm {
        do {
            return try await collection.getKey()
        } catch {
            throw JWTSettingsError("\(key): jwt-kit cannot use it: \(error)")
        }
    }
}

/// A token's claims, as JSON values: the claim names CallGate reads are settings, so no fixed type fits.
struct JWTClaimSet: JWTPayload {
    static let expiration = "exp"
    static let notBefore = "nbf"
    static let issuer = "iss"
    static let audience = "aud"
    static let subject = "sub"

    let fields: [String: JWTHeaderField]

    init(fields: [String: JWTHeaderField]) { self.fields = fields }

    init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: JWTHeaderField].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }

    /// Claims are checked by ``JWTAuthenticator``, with its own refusal codes, not by jwt-kit.
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    func string(_ name: String) -> String? { fields[name]?.asString }

    /// A NumericDate (RFC 7519): seconds, whole or not.
    func number(_ name: String) -> Double? {
        fields[name].flatMap(Self.number)
    }

    /// A JSON number, whole or not.
    static func number(_ field: JWTHeaderField) -> Double? {
        switch field {
        case .int(let value): Double(value)
        case .decimal(let value): value
        default: nil
        }
    }

    /// `aud`: one string or an array of strings.
    func strings(_ name: String) -> [String] {
        switch fields[name] {
        case .string(let value): [value]
        case .array(let values): values.compactMap(\.asString)
        default: []
        }
    }
}

/// Why a bearer token was refused: a stable code, a sentence, and the HTTP status to answer with:
/// 401 when the token does not authenticate (shape, algorithm, key, signature, time, issuer,
/// audience), 403 when it does but its claims describe no principal CallGate can act for
/// (subject, role, services, agent login id).
public enum JWTRefusal: Error, Sendable, Hashable {
    /// Not three base64url parts of JSON.
    case malformedToken
    /// `alg` is `none`, absent, unknown, or has no key configured; lists what is accepted.
    case unsupportedAlgorithm(accepted: [String])
    /// `kid` names a key of another algorithm than the token's `alg` (e.g. HS256 against an RSA key).
    case algorithmMismatch(keyAlgorithm: String)
    /// An RS256 or ES256 token whose `kid` is absent or names no configured key.
    case unknownKey
    /// The signature does not verify.
    case badSignature
    /// No `exp`: CallGate accepts only tokens that expire.
    case missingExpiration
    /// `exp` is past, beyond the leeway.
    case expired(secondsAgo: Int)
    /// `nbf` is ahead, beyond the leeway.
    case notYetValid(secondsAhead: Int)
    /// `iss` is absent or not an accepted issuer.
    case wrongIssuer
    /// `aud` is absent or does not name CallGate.
    case wrongAudience
    /// `sub`, the principal's name, is absent or empty.
    case missingSubject
    /// The role claim is absent or not a string.
    case missingRole(claim: String)
    /// The role claim names no LiveVox role.
    case unknownRole(claim: String)
    /// The services claim is not a non-empty array of positive integers.
    case malformedServices(claim: String)
    /// An Agent token without its agent login id claim.
    case agentWithoutLoginId(claim: String)
    /// The rate-limit claim is not an object with a usable `requestsPerSecond` (and `burst`).
    case malformedRateLimit(claim: String)

    /// The stable code.
    public var code: String {
        switch self {
        case .malformedToken: "malformed_token"
        case .unsupportedAlgorithm: "unsupported_algorithm"
        case .algorithmMismatch: "algorithm_mismatch"
        case .unknownKey: "unknown_kid"
        case .badSignature: "bad_signature"
        case .missingExpiration: "missing_expiration"
        case .expired: "token_expired"
        case .notYetValid: "token_not_yet_valid"
        case .wrongIssuer: "wrong_issuer"
        case .wrongAudience: "wrong_audience"
        case .missingSubject: "missing_subject"
        case .missingRole: "missing_role"
        case .unknownRole: "unknown_role"
        case .malformedServices: "malformed_services"
        case .agentWithoutLoginId: "agent_without_login_id"
        case .malformedRateLimit: "malformed_rate_limit"
        }
    }

    /// 401 (the token does not authenticate) or 403 (it does, but names no usable principal).
    public var status: Int {
        switch self {
        case .missingSubject, .missingRole, .unknownRole, .malformedServices, .agentWithoutLoginId, .malformedRateLimit: 403
        default: 401
        }
    }

    /// The sentence, for the problem document's `detail`; it never repeats the token's own values.
    public var message: String {
        switch self {
        case .malformedToken:
            "The bearer token is not a JWT: three base64url parts (header, payload, signature) of JSON."
        case .unsupportedAlgorithm(let accepted):
            "The token's alg is not accepted; CallGate accepts \(accepted.joined(separator: ", ")), never none."
        case .algorithmMismatch(let keyAlgorithm):
            "The token's kid names a key for \(keyAlgorithm), but its alg is another; a key is used only with its own algorithm."
        case .unknownKey:
            "The token's kid names no key CallGate knows; RS256 and ES256 tokens name their key by kid."
        case .badSignature:
            "The token's signature does not verify."
        case .missingExpiration:
            "The token has no exp; CallGate accepts only tokens that expire."
        case .expired(let seconds):
            "The token expired \(seconds) seconds ago."
        case .notYetValid(let seconds):
            "The token is not valid for another \(seconds) seconds (nbf)."
        case .wrongIssuer:
            "The token's iss is not an accepted issuer."
        case .wrongAudience:
            "The token's aud does not name CallGate."
        case .missingSubject:
            "The token has no sub to name its principal."
        case .missingRole(let claim):
            "The token has no \(claim) claim naming a LiveVox role."
        case .unknownRole(let claim):
            "The token's \(claim) claim is not a LiveVox role: Sysadmin, Superuser, Manager or Agent."
        case .malformedServices(let claim):
            "The token's \(claim) claim must be a non-empty array of service ids (positive integers); omit it for every service."
        case .agentWithoutLoginId(let claim):
            "An Agent token needs its \(claim) claim."
        case .malformedRateLimit(let claim):
            "The token's \(claim) claim must be an object such as {\"requestsPerSecond\": 20, \"burst\": 40} (rate above 0 and at most 1000000, burst from 1 to 1000000); omit it for the gateway's default limit."
        }
    }
}
