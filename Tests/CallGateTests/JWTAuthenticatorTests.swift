import CallGateCore
import Foundation
import JWTKit
import Testing

@testable import CallGate

@Suite("JWT bearer tokens")
struct JWTAuthenticatorTests {
    /// Fixed test keys. The RSA pair was generated once with Python's `cryptography` package
    /// (`rsa.generate_private_key(public_exponent=65537, key_size=2048)`); it protects nothing.
    enum Keys {
        static let hs256Secret = "an-hs256-secret-of-at-least-32-bytes!"
        static let rsaPrivatePEM = """
            -----BEGIN PRIVATE KEY-----
            MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC3QD6xcvvrIptr
            QxTCMGecN0wc63DTet7w46SEif42jKOq61XlajxOg8g5zr+l5XivJsIAkhLvy8Nb
            Ys3JZSSdZ2kq/xkOVLSBt/uh/gYXlszkXAX+KqXFuqAM9UONwishzDUw4eATl/W+
            AlWhKRRfNrAnRG4rleBJKbfkS5M6VSehPAASDyDTg/8LgHKRk7fCHL6eCHQOEj6e
            eNi9NyXAMtsKO7MthRINL4JH57mapsGKscO59ymdy9r9xmtPPH+/GRfUjt+MMsf0
            ojKNU4TJ0JxFu25osXyvVw4rUED4JJq4X1HBO+2xyWuiFsrkoB2NQMLH8K7ClSMN
            pIuddtWzAgMBAAECggEAUBnmDZzsX1jORPGallOgRpmpTI7hz59K6lMna8QB+gg5
            1pFuB40LdWqHUDV+cl6/BRjU/njbjDQuXbjvqRPsEF3Oi7vcUPZXvMgWVzX5pcAG
            Kd/LwtETiz3Ljj57W/C+99QSgB6L2yS2h2rv0TVqsT/vegqgea7WzkRNHJ6oaXto
            L24vpOMzgrqQuXhqb35x1vMhfWS8+a0DG3gZBKwSXWSGplG6/9oYpaeMLC4SG00r
            zy4u/vjJMEfiwc6DLyggJpxhZvaQyKKKEw2d6loWyJizmuVMGItMGX04+0lJItZX
            n6ZgJ5sxuyt7rmmtWdnziJaZpmMrt3/av2HtSt/uYQKBgQDZhw/pTnrr0d4aHb3I
            HuyYLYDU4KBjr/eIKk4ISEG5c/4RvkZcmJYhb0DT5svdxlVjMZ6oViUdymCAh8DS
            p8tKqUgf68ASnEJB+qxBs0/QlbZdJpUSgwqWBmAnZFJhrO3ijYctjXSl1X6Y2kL3
            HE4taJVccjQ7r4TVPjp3Zu+TUQKBgQDXqT+/jaiGWIkdeAN9tEzoZRqE/t0CxY1C
            zdLuAvBWgbWMzIW88U7E3eEU4cEpNwbETL4VuQ62tyBL6AwlkMtxqsxwAtSu1DBy
            n7cS4/gznLB7n9x0kBd5vtsNMvnvvFEocaNfuj/tcrUNHjrdm5dDTySTH8MY5EJD
            04BOfSHvwwKBgE9ruKt+M/MV1PnEEh6W69tEAd23hdffz4ivqX3so9KKPyFLT3VP
            YMEkVY8InTaDy3lEDKF5kmOmGEXVStme2eKQm/zLnn0tACQG2g3C4klN4B9yjssL
            fTn5afH39vwin1gwREKlewlxQZ+dUQXYF9MMdDwkll2UX/NbnQ0rUB2BAoGBANLR
            N2kIkIJsD/WHuVnro/bVxrvV7LTl6zYvwA89PjZCa/gsglv2RDr8bygbm9ivWuUP
            5A2WLsT8dQze1OjwB4ChJ2Ij0kbpVEbozG0h/yJs/LSMzFQB+4DeyoG3oE3zeB6i
            H8PXbOCwbj5Zm8/AZni86BMOTIiLsh9dpKKVflRDAoGAAKymwLYrkT4kGTSRDYju
            fEZxgB9Lp8z5md5x5EDVvNE3iTcdaK4Kobl+TPnMMLpgrhAn5iKWdGvVB8/Cjlh6
            saK0ehNSOzqoFaxUBDGep+pNOFc3nwjA9Hkhqn7d7/uJGlo618sjbqkSdeb6GyD0
            SxpogGgqqluoEWoK7xHVabU=
            -----END PRIVATE KEY-----
            """
        /// The public half as `openssl rsa -pubout` prints it: the bytes an attacker would use as an
        /// HMAC secret in an algorithm-confusion attack.
        static let rsaPublicPEM = """
            -----BEGIN PUBLIC KEY-----
            MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAt0A+sXL76yKba0MUwjBn
            nDdMHOtw03re8OOkhIn+NoyjqutV5Wo8ToPIOc6/peV4rybCAJIS78vDW2LNyWUk
            nWdpKv8ZDlS0gbf7of4GF5bM5FwF/iqlxbqgDPVDjcIrIcw1MOHgE5f1vgJVoSkU
            XzawJ0RuK5XgSSm35EuTOlUnoTwAEg8g04P/C4BykZO3why+ngh0DhI+nnjYvTcl
            wDLbCjuzLYUSDS+CR+e5mqbBirHDufcpncva/cZrTzx/vxkX1I7fjDLH9KIyjVOE
            ydCcRbtuaLF8r1cOK1BA+CSauF9RwTvtsclrohbK5KAdjUDCx/CuwpUjDaSLnXbV
            swIDAQAB
            -----END PUBLIC KEY-----

            """
        static let rsaJWK = #"{"kty":"RSA","kid":"rsa-1","alg":"RS256","use":"sig","e":"AQAB","n":"t0A-sXL76yKba0MUwjBnnDdMHOtw03re8OOkhIn-NoyjqutV5Wo8ToPIOc6_peV4rybCAJIS78vDW2LNyWUknWdpKv8ZDlS0gbf7of4GF5bM5FwF_iqlxbqgDPVDjcIrIcw1MOHgE5f1vgJVoSkUXzawJ0RuK5XgSSm35EuTOlUnoTwAEg8g04P_C4BykZO3why-ngh0DhI-nnjYvTclwDLbCjuzLYUSDS-CR-e5mqbBirHDufcpncva_cZrTzx_vxkX1I7fjDLH9KIyjVOEydCcRbtuaLF8r1cOK1BA-CSauF9RwTvtsclrohbK5KAdjUDCx_CuwpUjDaSLnXbVsw"}"#
    }

    /// Tokens made apart from CallGate and jwt-kit, with Python (json, hmac, base64 and
    /// `cryptography`'s PKCS#1 v1.5 signer), for the claims of ``claims(_:removing:)`` but with
    /// nbf 1800000000 and exp 1900000000.
    enum PythonTokens {
        static let rs256 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lkcC5pbnRlcm5hbCIsImF1ZCI6ImNhbGxnYXRlIiwic3ViIjoiYmlsbGluZy1zZXJ2aWNlIiwicm9sZSI6Ik1hbmFnZXIiLCJzZXJ2aWNlcyI6WzIxNDI5XSwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDB9.d1IT1G6qgaJhzgbUxo2Bj0DIjV_xNwmA1jPKGFlx8MiObl1YZv28-kAj6r1a1ADejBQxXmzCG_cJgz8AavMPGDyarwi-LNEb7yiMky5AYYk8Rhv0V8QpzaJb1l7krFF57ewohfDO5xU9jK5l0b8Pr7kNoDomYB-LwzjRQxReS7wWkchK_im5z__Erh9hgLvFALgS0_H4HuJUF7MD2iDvueQPUG4bagFOmK4lSja4A9aaRbL9aOQ8I1vIDL4btxmSndyOqq-qyUtEA8qgV9jGbLvDq9RpKhsEuvfGLWr0454KIBzc489dAj5qSf-d18hAP-7C7UpPYec1-AmNuFJZ6w"
        static let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5pbnRlcm5hbCIsImF1ZCI6ImNhbGxnYXRlIiwic3ViIjoiYmlsbGluZy1zZXJ2aWNlIiwicm9sZSI6Ik1hbmFnZXIiLCJzZXJ2aWNlcyI6WzIxNDI5XSwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDB9.lhMO9ZuLMV_nYdw3x2vUSsQSi90BhHW9sgeeAZRSRqw"
        /// `alg: none`, empty signature.
        static let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2lkcC5pbnRlcm5hbCIsImF1ZCI6ImNhbGxnYXRlIiwic3ViIjoiYmlsbGluZy1zZXJ2aWNlIiwicm9sZSI6Ik1hbmFnZXIiLCJzZXJ2aWNlcyI6WzIxNDI5XSwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDB9."
        /// HS256 with ``Keys/rsaPublicPEM`` as the HMAC secret, naming the RSA key (`kid: rsa-1`).
        static let confusionWithKid = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYS0xIn0.eyJpc3MiOiJodHRwczovL2lkcC5pbnRlcm5hbCIsImF1ZCI6ImNhbGxnYXRlIiwic3ViIjoiYmlsbGluZy1zZXJ2aWNlIiwicm9sZSI6Ik1hbmFnZXIiLCJzZXJ2aWNlcyI6WzIxNDI5XSwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDB9.77i8k_4RYm6y8cSUbKkG0NlNFbZwJge1O7utPWJ7ru8"
        /// The same without a `kid`.
        static let confusion = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5pbnRlcm5hbCIsImF1ZCI6ImNhbGxnYXRlIiwic3ViIjoiYmlsbGluZy1zZXJ2aWNlIiwicm9sZSI6Ik1hbmFnZXIiLCJzZXJ2aWNlcyI6WzIxNDI5XSwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDB9._WFwjMlvY0RiEAojl9-JrE1WbAJs3-dA_xohdbL0CyQ"
    }

    /// How a test token is signed; RS256 and ES256 name their JWKS key by default.
    enum Signer: String, Sendable, CaseIterable {
        case hs256, rs256, es256

        var defaultKid: String? {
            switch self {
            case .hs256: nil
            case .rs256: "rsa-1"
            case .es256: "ec-1"
            }
        }
    }

    static let now = Date(timeIntervalSince1970: 1_850_000_000)
    static let billing = Principal(name: "billing-service", role: .manager, services: [21429], agentLoginId: nil, authMethod: .jwt)

    /// Valid claims at ``now`` (expiring ten minutes later), changed and pruned as a test needs.
    static func claims(_ changes: [String: JWTHeaderField] = [:], removing: [String] = []) -> [String: JWTHeaderField] {
        var claims: [String: JWTHeaderField] = [
            "iss": "https://idp.internal", "aud": "callgate", "sub": "billing-service", "role": "Manager",
            "services": [21429], "exp": .int(1_850_000_600),
        ]
        claims.merge(changes) { $1 }
        for name in removing { claims[name] = nil }
        return claims
    }

    /// An authenticator over an HS256 secret and a JWKS file (the RSA key and a new P-256 key), and
    /// the means to sign tokens for it.
    struct Fixture {
        let directory: APIKeyTests.TemporaryDirectory
        let ecKey = ES256PrivateKey()
        let authenticator: JWTAuthenticator

        init(hs256: Bool = true, jwks: Bool = true, adjust: (inout JWTSettings) -> Void = { _ in }) async throws {
            directory = try APIKeyTests.TemporaryDirectory()
            let (x, y) = try #require(ecKey.publicKey.parameters)
            let jwksPath = directory.path + "/jwks.json"
            try #"{"keys": [\#(Keys.rsaJWK), {"kty":"EC","crv":"P-256","kid":"ec-1","x":"\#(x)","y":"\#(y)"}]}"#
                .write(toFile: jwksPath, atomically: true, encoding: .utf8)
            var settings = JWTSettings(hs256Secrets: hs256 ? [Keys.hs256Secret] : [], jwksFile: jwks ? jwksPath : nil,
                                       issuers: ["https://idp.internal", "https://idp2.internal"], audience: "callgate")
            adjust(&settings)
            authenticator = try await JWTAuthenticator(settings: settings)
        }

        func sign(_ claims: [String: JWTHeaderField] = JWTAuthenticatorTests.claims(), with signer: Signer,
                  kid: String? = nil) async throws -> String {
            let keys = JWTKeyCollection()
            switch signer {
            case .hs256: await keys.add(hmac: HMACKey(from: Keys.hs256Secret), digestAlgorithm: .sha256)
            case .rs256: await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: Keys.rsaPrivatePEM), digestAlgorithm: .sha256)
            case .es256: await keys.add(ecdsa: ecKey)
            }
            var header = JWTHeader()
            if let kid = kid ?? signer.defaultKid {
                header.kid = kid
            }
            return try await keys.sign(JWTClaimSet(fields: claims), header: header)
        }

        func authenticate(_ token: String, now: Date = JWTAuthenticatorTests.now) -> Result<Principal, JWTRefusal> {
            authenticator.authenticate(token: token, now: now)
        }
    }

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `token` with its header or payload replaced by `json`, the signature kept.
    static func replacing(part: Int, of token: String, with json: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[part] = base64URL(Array(json.utf8))
        return parts.joined(separator: ".")
    }

    // MARK: Valid tokens

    @Test("Valid HS256, RS256 and ES256 tokens authenticate as the principal their claims describe", arguments: Signer.allCases)
    func valid(signer: Signer) async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(try await fixture.sign(with: signer)) == .success(Self.billing))
    }

    @Test("Tokens signed by an independent implementation (Python) authenticate")
    func independentTokens() async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(PythonTokens.rs256) == .success(Self.billing))
        #expect(fixture.authenticate(PythonTokens.hs256) == .success(Self.billing))
    }

    @Test("Any of several HS256 secrets verifies, so a secret can be rotated")
    func hs256Rotation() async throws {
        let fixture = try await Fixture { $0.hs256Secrets = ["a-newer-hs256-secret-also-32-bytes-long", Keys.hs256Secret] }
        #expect(fixture.authenticate(try await fixture.sign(with: .hs256)) == .success(Self.billing))
    }

    @Test("The enabled algorithms follow the configured keys")
    func enabledAlgorithms() async throws {
        #expect(try await Fixture().authenticator.enabledAlgorithms == ["HS256", "RS256", "ES256"])
        #expect(try await Fixture(jwks: false).authenticator.enabledAlgorithms == ["HS256"])
        #expect(try await Fixture(hs256: false).authenticator.enabledAlgorithms == ["RS256", "ES256"])
    }

    // MARK: Attacks on the algorithm and the key

    @Test("alg none is refused, even with every algorithm enabled")
    func algNone() async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(PythonTokens.none) == .failure(.unsupportedAlgorithm(accepted: ["HS256", "RS256", "ES256"])))
        let token = try await fixture.sign(with: .hs256)
        let none = Self.replacing(part: 0, of: token, with: #"{"alg":"none"}"#).split(separator: ".").dropLast().joined(separator: ".") + "."
        #expect(fixture.authenticate(none) == .failure(.unsupportedAlgorithm(accepted: ["HS256", "RS256", "ES256"])))
    }

    @Test("Algorithms CallGate does not support, or has no key for, are refused", arguments: [
        (#"{"alg":"PS256","kid":"rsa-1"}"#, true), (#"{"alg":"HS512"}"#, true), (#"{"alg":"RS256","kid":"rsa-1"}"#, false),
        (#"{"kid":"rsa-1"}"#, true), (#"{"alg":7}"#, true),
    ])
    func unsupportedAlgorithm(header: String, jwks: Bool) async throws {
        let fixture = try await Fixture(jwks: jwks)
        let token = Self.replacing(part: 0, of: try await fixture.sign(with: .rs256), with: header)
        #expect(fixture.authenticate(token) == .failure(.unsupportedAlgorithm(accepted: jwks ? ["HS256", "RS256", "ES256"] : ["HS256"])))
    }

    @Test("An HS256 token signed with the RSA public key's PEM as the secret is refused (algorithm confusion)")
    func algorithmConfusion() async throws {
        let all = try await Fixture()
        #expect(all.authenticate(PythonTokens.confusionWithKid) == .failure(.algorithmMismatch(keyAlgorithm: "RS256")))
        #expect(all.authenticate(PythonTokens.confusion) == .failure(.badSignature))
        let publicKeysOnly = try await Fixture(hs256: false)
        #expect(publicKeysOnly.authenticate(PythonTokens.confusionWithKid) == .failure(.unsupportedAlgorithm(accepted: ["RS256", "ES256"])))
        #expect(publicKeysOnly.authenticate(PythonTokens.confusion) == .failure(.unsupportedAlgorithm(accepted: ["RS256", "ES256"])))
    }

    @Test("A token naming a key of another algorithm is refused")
    func keyOfAnotherAlgorithm() async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(try await fixture.sign(with: .rs256, kid: "ec-1")) == .failure(.algorithmMismatch(keyAlgorithm: "ES256")))
        #expect(fixture.authenticate(try await fixture.sign(with: .es256, kid: "rsa-1")) == .failure(.algorithmMismatch(keyAlgorithm: "RS256")))
    }

    @Test("RS256 and ES256 tokens with an unknown or no kid are refused, never tried against another key")
    func unknownKid() async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(try await fixture.sign(with: .rs256, kid: "rsa-2")) == .failure(.unknownKey))
        #expect(fixture.authenticate(try await fixture.sign(with: .es256, kid: "rsa-2")) == .failure(.unknownKey))
        let noKid = Self.replacing(part: 0, of: try await fixture.sign(with: .rs256), with: #"{"alg":"RS256"}"#)
        #expect(fixture.authenticate(noKid) == .failure(.unknownKey))
    }

    @Test("A tampered payload fails the signature", arguments: Signer.allCases)
    func tamperedPayload(signer: Signer) async throws {
        let fixture = try await Fixture()
        let token = try await fixture.sign(with: signer)
        let payload = String(decoding: try JSONEncoder().encode(Self.claims(["role": "Sysadmin"])), as: UTF8.self)
        #expect(fixture.authenticate(Self.replacing(part: 1, of: token, with: payload)) == .failure(.badSignature))
        let signature = String(token.split(separator: ".")[2])
        let flipped = token.dropLast(signature.count) + (signature.first == "A" ? "B" : "A") + signature.dropFirst()
        #expect(fixture.authenticate(String(flipped)) == .failure(.badSignature))
    }

    @Test("A token signed with another HS256 secret is refused")
    func otherSecret() async throws {
        let fixture = try await Fixture()
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: "another-hs256-secret-of-32-bytes-or-more"), digestAlgorithm: .sha256)
        #expect(fixture.authenticate(try await keys.sign(JWTClaimSet(fields: Self.claims()))) == .failure(.badSignature))
    }

    @Test("Texts that are not JWTs are malformed", arguments: [
        "", "a.b", "a.b.c", "a.b.c.d", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln", "bm90IGpzb24.eyJzdWIiOiJ4In0.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.WyJhcnJheSJd.c2ln",
    ])
    func malformed(token: String) async throws {
        #expect(try await Fixture().authenticate(token) == .failure(.malformedToken))
    }

    // MARK: Time

    @Test("exp and nbf honour the leeway up to its exact boundary", arguments: [
        (JWTAuthenticatorTests.claims(["exp": .int(1_850_000_000 - 29)]), nil as JWTRefusal?),
        (JWTAuthenticatorTests.claims(["exp": .int(1_850_000_000 - 30)]), .expired(secondsAgo: 30)),
        (JWTAuthenticatorTests.claims(["exp": .decimal(1_849_999_970.5)]), nil),
        (JWTAuthenticatorTests.claims(["exp": .decimal(1_849_999_969.5)]), .expired(secondsAgo: 31)),
        (JWTAuthenticatorTests.claims(["exp": .int(1_849_996_400)]), .expired(secondsAgo: 3600)),
        (JWTAuthenticatorTests.claims(["nbf": .int(1_850_000_000 + 30)]), nil),
        (JWTAuthenticatorTests.claims(["nbf": .int(1_850_000_000 + 31)]), .notYetValid(secondsAhead: 31)),
        (JWTAuthenticatorTests.claims(["nbf": .int(1_850_000_000 - 600)]), nil),
        (JWTAuthenticatorTests.claims(["exp": .decimal(1e300), "nbf": .decimal(1e300)]), .notYetValid(secondsAhead: 1_000_000_000_000)),
        (JWTAuthenticatorTests.claims(removing: ["exp"]), .missingExpiration),
        (JWTAuthenticatorTests.claims(["exp": "1850000600"]), .missingExpiration),
    ])
    func time(claims: [String: JWTHeaderField], refusal: JWTRefusal?) async throws {
        let fixture = try await Fixture()
        let expected: Result<Principal, JWTRefusal> = refusal.map { .failure($0) } ?? .success(Self.billing)
        #expect(fixture.authenticate(try await fixture.sign(claims, with: .es256)) == expected)
    }

    @Test("The leeway is a setting")
    func leewaySetting() async throws {
        let fixture = try await Fixture { $0.leewaySeconds = 0 }
        #expect(fixture.authenticate(try await fixture.sign(Self.claims(["exp": .int(1_850_000_001)]), with: .hs256)) == .success(Self.billing))
        #expect(fixture.authenticate(try await fixture.sign(Self.claims(["exp": .int(1_850_000_000)]), with: .hs256)) == .failure(.expired(secondsAgo: 0)))
    }

    // MARK: Issuer and audience

    @Test("iss must be an accepted issuer and aud must name CallGate", arguments: [
        (JWTAuthenticatorTests.claims(["iss": "https://idp2.internal"]), nil as JWTRefusal?),
        (JWTAuthenticatorTests.claims(["iss": "https://evil.example"]), .wrongIssuer),
        (JWTAuthenticatorTests.claims(["iss": ["https://idp.internal"]]), .wrongIssuer),
        (JWTAuthenticatorTests.claims(removing: ["iss"]), .wrongIssuer),
        (JWTAuthenticatorTests.claims(["aud": ["reports", "callgate"]]), nil),
        (JWTAuthenticatorTests.claims(["aud": "reports"]), .wrongAudience),
        (JWTAuthenticatorTests.claims(["aud": ["reports"]]), .wrongAudience),
        (JWTAuthenticatorTests.claims(["aud": "CallGate"]), .wrongAudience),
        (JWTAuthenticatorTests.claims(removing: ["aud"]), .wrongAudience),
    ])
    func issuerAndAudience(claims: [String: JWTHeaderField], refusal: JWTRefusal?) async throws {
        let fixture = try await Fixture()
        let expected: Result<Principal, JWTRefusal> = refusal.map { .failure($0) } ?? .success(Self.billing)
        #expect(fixture.authenticate(try await fixture.sign(claims, with: .rs256)) == expected)
    }

    // MARK: The principal's claims

    @Test("sub, role, services and the agent login id make the principal", arguments: [
        (JWTAuthenticatorTests.claims(removing: ["sub"]), Result<Principal, JWTRefusal>.failure(.missingSubject)),
        (JWTAuthenticatorTests.claims(["sub": ""]), .failure(.missingSubject)),
        (JWTAuthenticatorTests.claims(removing: ["role"]), .failure(.missingRole(claim: "role"))),
        (JWTAuthenticatorTests.claims(["role": 3]), .failure(.missingRole(claim: "role"))),
        (JWTAuthenticatorTests.claims(["role": "Boss"]), .failure(.unknownRole(claim: "role"))),
        (JWTAuthenticatorTests.claims(["role": "manager"]), .success(JWTAuthenticatorTests.billing)),
        (JWTAuthenticatorTests.claims(removing: ["services"]),
         .success(Principal(name: "billing-service", role: .manager, services: nil, agentLoginId: nil, authMethod: .jwt))),
        (JWTAuthenticatorTests.claims(["services": [21429, 50123, 21429]]),
         .success(Principal(name: "billing-service", role: .manager, services: [21429, 50123], agentLoginId: nil, authMethod: .jwt))),
        (JWTAuthenticatorTests.claims(["services": "21429"]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": 21429]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": ["21429"]]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": [21429, 1.5]]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": [0]]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": []]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["services": nil]), .failure(.malformedServices(claim: "services"))),
        (JWTAuthenticatorTests.claims(["role": "Agent"]), .failure(.agentWithoutLoginId(claim: "agentLoginId"))),
        (JWTAuthenticatorTests.claims(["role": "Agent", "agentLoginId": ""]), .failure(.agentWithoutLoginId(claim: "agentLoginId"))),
        (JWTAuthenticatorTests.claims(["role": "Agent", "agentLoginId": "agent007"]),
         .success(Principal(name: "billing-service", role: .agent, services: [21429], agentLoginId: "agent007", authMethod: .jwt))),
        (JWTAuthenticatorTests.claims(["agentLoginId": "agent007"]), .success(JWTAuthenticatorTests.billing)),
    ])
    func principalClaims(claims: [String: JWTHeaderField], expected: Result<Principal, JWTRefusal>) async throws {
        let fixture = try await Fixture()
        #expect(fixture.authenticate(try await fixture.sign(claims, with: .hs256)) == expected)
    }

    @Test("The role, services and agent login id claim names are settings")
    func claimNames() async throws {
        let fixture = try await Fixture {
            $0.roleClaim = "cg_role"
            $0.servicesClaim = "cg_services"
            $0.agentLoginIdClaim = "cg_agent"
        }
        let claims = Self.claims(["cg_role": "Agent", "cg_services": [112231], "cg_agent": "agent007"], removing: ["role", "services"])
        #expect(fixture.authenticate(try await fixture.sign(claims, with: .hs256))
            == .success(Principal(name: "billing-service", role: .agent, services: [112231], agentLoginId: "agent007", authMethod: .jwt)))
        #expect(fixture.authenticate(try await fixture.sign(Self.claims(), with: .hs256)) == .failure(.missingRole(claim: "cg_role")))
    }

    // MARK: Telling tokens from API keys

    @Test("A bearer credential is a JWT candidate when it is not an API key and has two dots", arguments: [
        (APIKey.generate(), false), ("a.b.c", true), (PythonTokens.rs256, true), ("a.b", false), ("a.b.c.d", false),
        ("cgk_a.b.c", false), ("", false),
    ])
    func candidates(credential: String, isCandidate: Bool) {
        #expect(JWTAuthenticator.isCandidate(credential) == isCandidate)
    }

    // MARK: Refusals and settings

    @Test("Refusals carry a stable code, a status and a sentence", arguments: [
        (JWTRefusal.malformedToken, "malformed_token", 401,
         "The bearer token is not a JWT: three base64url parts (header, payload, signature) of JSON."),
        (.unsupportedAlgorithm(accepted: ["HS256", "ES256"]), "unsupported_algorithm", 401,
         "The token's alg is not accepted; CallGate accepts HS256, ES256, never none."),
        (.algorithmMismatch(keyAlgorithm: "RS256"), "algorithm_mismatch", 401,
         "The token's kid names a key for RS256, but its alg is another; a key is used only with its own algorithm."),
        (.unknownKey, "unknown_kid", 401, "The token's kid names no key CallGate knows; RS256 and ES256 tokens name their key by kid."),
        (.badSignature, "bad_signature", 401, "The token's signature does not verify."),
        (.missingExpiration, "missing_expiration", 401, "The token has no exp; CallGate accepts only tokens that expire."),
        (.expired(secondsAgo: 31), "token_expired", 401, "The token expired 31 seconds ago."),
        (.notYetValid(secondsAhead: 45), "token_not_yet_valid", 401, "The token is not valid for another 45 seconds (nbf)."),
        (.wrongIssuer, "wrong_issuer", 401, "The token's iss is not an accepted issuer."),
        (.wrongAudience, "wrong_audience", 401, "The token's aud does not name CallGate."),
        (.missingSubject, "missing_subject", 403, "The token has no sub to name its principal."),
        (.missingRole(claim: "role"), "missing_role", 403, "The token has no role claim naming a LiveVox role."),
        (.unknownRole(claim: "role"), "unknown_role", 403,
         "The token's role claim is not a LiveVox role: Sysadmin, Superuser, Manager or Agent."),
        (.malformedServices(claim: "services"), "malformed_services", 403,
         "The token's services claim must be a non-empty array of service ids (positive integers); omit it for every service."),
        (.agentWithoutLoginId(claim: "agentLoginId"), "agent_without_login_id", 403, "An Agent token needs its agentLoginId claim."),
    ])
    func refusalText(refusal: JWTRefusal, code: String, status: Int, message: String) {
        #expect(refusal.code == code)
        #expect(refusal.status == status)
        #expect(refusal.message == message)
    }

    @Test("Unusable settings and JWKS files are refused with a message naming the setting or the key", arguments: [
        (#"{"keys": [{"kty":"RSA","e":"AQAB","n":"AQAB"}]}"#, "FILE, key #1: kid is missing; tokens name their key by kid."),
        (#"{"keys": [\#(JWTAuthenticatorTests.Keys.rsaJWK), \#(JWTAuthenticatorTests.Keys.rsaJWK)]}"#,
         "FILE, key #2 (rsa-1): kid is used by another key; kids must be unique."),
        (#"{"keys": [{"kty":"RSA","kid":"k","e":"AQAB","n":"AQAB","d":"AQAB"}]}"#,
         "FILE, key #1 (k): the key is private (it has d); the JWKS file holds public keys only."),
        (#"{"keys": [{"kty":"RSA","kid":"k","alg":"PS256","e":"AQAB","n":"AQAB"}]}"#,
         "FILE, key #1 (k): not an RSA key (n, e) for RS256 nor a P-256 EC key (x, y) for ES256."),
        (#"{"keys": [{"kty":"EC","kid":"k","crv":"P-384","x":"AQAB","y":"AQAB"}]}"#,
         "FILE, key #1 (k): not an RSA key (n, e) for RS256 nor a P-256 EC key (x, y) for ES256."),
        (#"{"keys": [{"kty":"OKP","kid":"k","crv":"Ed25519","x":"AQAB"}]}"#,
         "FILE, key #1 (k): not an RSA key (n, e) for RS256 nor a P-256 EC key (x, y) for ES256."),
    ])
    func badJWKS(json: String, message: String) async throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let path = directory.path + "/jwks.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        let settings = JWTSettings(jwksFile: path, issuers: ["https://idp.internal"], audience: "callgate")
        await #expect(throws: JWTSettingsError(message.replacingOccurrences(of: "FILE", with: path))) {
            _ = try await JWTAuthenticator(settings: settings)
        }
    }

    @Test("A small RSA key, an unreadable JWKS file and settings that verify nothing are refused")
    func badSettings() async throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let small = directory.path + "/small.json"
        // A 512-bit modulus: jwt-kit (and CallGate) want at least 2048 bits.
        try #"{"keys": [{"kty":"RSA","kid":"small","e":"AQAB","n":"\#(Self.base64URL([0xC1] + [UInt8](repeating: 0x55, count: 62) + [0x01]))"}]}"#
            .write(toFile: small, atomically: true, encoding: .utf8)
        await #expect {
            _ = try await JWTAuthenticator(settings: JWTSettings(jwksFile: small, issuers: ["i"], audience: "a"))
        } throws: { error in
            "\(error)".hasPrefix("\(small), key #1 (small): not a usable public key (RSA keys need at least 2048 bits): ")
        }
        await #expect {
            _ = try await JWTAuthenticator(settings: JWTSettings(jwksFile: directory.path + "/absent.json", issuers: ["i"], audience: "a"))
        } throws: { error in
            "\(error)".hasPrefix("Cannot read the JWKS file \(directory.path)/absent.json: ")
        }
        for (settings, message) in [
            (JWTSettings(issuers: ["i"], audience: "a"), "Neither an HS256 secret nor a JWKS file is set: no token could be verified."),
            (JWTSettings(hs256Secrets: ["short"], issuers: ["i"], audience: "a"), "HS256 secret #1 has 5 bytes; at least 32 are needed."),
            (JWTSettings(hs256Secrets: [Keys.hs256Secret], issuers: [], audience: "a"), "No accepted issuer: name at least one iss value."),
            (JWTSettings(hs256Secrets: [Keys.hs256Secret], issuers: ["i"], audience: ""), "The audience is empty: name CallGate's aud value."),
            (JWTSettings(hs256Secrets: [Keys.hs256Secret], issuers: ["i"], audience: "a", leewaySeconds: -1),
             "The leeway is negative: give 0 or more seconds."),
        ] {
            await #expect(throws: JWTSettingsError(message)) { _ = try await JWTAuthenticator(settings: settings) }
        }
    }
}
