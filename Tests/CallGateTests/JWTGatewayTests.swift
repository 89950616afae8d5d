import CallGateCore
import Crypto
import Foundation
import Testing

@testable import CallGate

@Suite("JWT bearer tokens at the gateway")
struct JWTGatewayTests {
    static let secret = "a-gateway-test-secret-of-32-bytes-or-more"

    /// An HS256 token over `claims` (JSON), signed here with swift-crypto, independently of jwt-kit.
    static func token(_ claims: String, secret: String = JWTGatewayTests.secret) -> String {
        let header = JWTAuthenticatorTests.base64URL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = JWTAuthenticatorTests.base64URL(Array(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(header).\(payload)".utf8),
                                                  using: SymmetricKey(data: Array(secret.utf8)))
        return "\(header).\(payload).\(JWTAuthenticatorTests.base64URL(mac))"
    }

    static func claims(exp: Int, role: String? = "Manager") -> String {
        let role = role.map { #","role":"\#($0)""# } ?? ""
        return #"{"iss":"https://idp.internal","aud":"callgate","sub":"billing-service","services":[21429],"exp":\#(exp)\#(role)}"#
    }

    static func gateway() async throws -> GatewayHarness {
        let jwt = try await JWTAuthenticator(settings: JWTSettings(
            hs256Secrets: [secret], issuers: ["https://idp.internal"], audience: "callgate"))
        return try await GatewayHarness(jwt: jwt)
    }

    @Test("A valid token acts with its claims' role and services; API keys keep working beside it")
    func valid() async throws {
        let gateway = try await Self.gateway()
        defer { Task { await gateway.shutdown() } }
        let token = Self.token(Self.claims(exp: Int(Date().timeIntervalSince1970) + 600))
        let allowed = await gateway.send("GET", "/v1/services/21429/queue", key: token)
        #expect(allowed.status == 200)
        let otherService = await gateway.send("GET", "/v1/services/50123/queue", key: token)
        #expect(otherService.status == 403)
        #expect(otherService.json?["code"] == .string("forbidden_service"))
        let forbiddenOperation = await gateway.send("GET", "/v1/audit", key: token)
        #expect(forbiddenOperation.json?["code"] == .string("forbidden_role"))
        #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "manager").status == 200)
    }

    @Test("A token that does not verify gets 401 saying why; one whose claims name no principal gets 403")
    func refused() async throws {
        let gateway = try await Self.gateway()
        defer { Task { await gateway.shutdown() } }
        let now = Int(Date().timeIntervalSince1970)
        let expired = await gateway.send("GET", "/v1/services/21429/queue", key: Self.token(Self.claims(exp: now - 3600)))
        #expect(expired.status == 401)
        #expect(expired.headers["www-authenticate"] == #"Bearer realm="CallGate""#)
        #expect(expired.json?["code"] == .string("unauthenticated"))
        let detail = expired.json?["detail"].flatMap { if case .string(let text) = $0 { text } else { nil } } ?? ""
        #expect(detail == "The token expired 3600 seconds ago." || detail == "The token expired 3601 seconds ago.")

        let forged = await gateway.send("GET", "/v1/services/21429/queue",
                                        key: Self.token(Self.claims(exp: now + 600), secret: String(repeating: "x", count: 40)))
        #expect(forged.status == 401)
        #expect(forged.json?["detail"] == .string("The token's signature does not verify."))

        let roleless = await gateway.send("GET", "/v1/services/21429/queue", key: Self.token(Self.claims(exp: now + 600, role: nil)))
        #expect(roleless.status == 403)
        #expect(roleless.json?["code"] == .string("forbidden_token"))
        #expect(roleless.json?["detail"] == .string("The token has no role claim naming a LiveVox role."))
    }
}
