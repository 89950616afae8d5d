import CallGateCore
import Foundation
import Testing

@testable import CallGate

@Suite("Webhook signatures and sources")
struct WebhookTests {
    /// The reference vector of the Standard Webhooks libraries (standard-webhooks/standard-webhooks,
    /// libraries/go/webhook_test.go, TestWebhookSign): a 24-byte key, the shortest CallGate accepts.
    enum Reference {
        static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
        static let timestamp = "1614265330"
        static let body = Array(#"{"test": 2432232314}"#.utf8)
        static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    }

    /// Two sources with keys 0x00...0x1F and 0x20...0x3F; the signatures were computed apart from
    /// CallGate, with `python3 -c` and its hmac, hashlib and base64 modules:
    /// base64(HMAC-SHA256(key, b"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.1767225600." + body)).
    enum Vectors {
        static let secretA = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        static let secretB = "whsec_ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
        static let id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
        static let timestamp = "1767225600"
        static let now = Date(timeIntervalSince1970: 1_767_225_600)
        static let body = Array(#"{"event":"call.ended","callId":"c-1"}"#.utf8)
        static let signatureA = "v1,yiAJiadU5xS4ESSGAnvhANKYjQujYRIAjrIAPRsBZg4="
        static let signatureB = "v1,3k38yQAnX6YjSt2N+EA8UQBX5xVHf7xWm+qTSdjHZ6k="
    }

    static let crm = Principal(name: "crm", role: .manager, services: [21429], agentLoginId: nil, authMethod: .webhook)
    static let dialer = Principal(name: "dialer", role: .agent, services: nil, agentLoginId: "agent007", authMethod: .webhook)

    /// A verifier with source `crm` (secret A) and source `dialer` (secret B).
    static func verifier(toleranceSeconds: Int = 300) throws -> WebhookVerifier {
        WebhookVerifier(sources: [
            WebhookVerifier.Source(principal: crm, secrets: [try WebhookSecret.parse(Vectors.secretA)]),
            WebhookVerifier.Source(principal: dialer, secrets: [try WebhookSecret.parse(Vectors.secretB)]),
        ], toleranceSeconds: toleranceSeconds)
    }

    /// Verifies the Python vector's id and body with the given headers at `now`.
    static func verify(timestamp: String? = Vectors.timestamp, signature: String? = Vectors.signatureA,
                       now: Date = Vectors.now, toleranceSeconds: Int = 300) throws -> Result<WebhookVerifier.Verified, WebhookRefusal> {
        try verifier(toleranceSeconds: toleranceSeconds)
            .verify(id: Vectors.id, timestamp: timestamp, signature: signature, rawBody: Vectors.body, now: now)
    }

    // MARK: Signatures

    @Test("The Standard Webhooks reference vector signs and verifies")
    func referenceVector() throws {
        let secret = try WebhookSecret.parse(Reference.secret)
        #expect(secret.signature(id: Reference.id, timestamp: Reference.timestamp, body: Reference.body) == Reference.signature)
        let verifier = WebhookVerifier(sources: [WebhookVerifier.Source(principal: Self.crm, secrets: [secret])])
        let result = verifier.verify(id: Reference.id, timestamp: Reference.timestamp, signature: Reference.signature,
                                     rawBody: Reference.body, now: Date(timeIntervalSince1970: 1_614_265_330))
        #expect(result == .success(WebhookVerifier.Verified(principal: Self.crm, webhookId: Reference.id)))
    }

    @Test("Each of two sources is recognised by its own secret (Python-computed signatures)")
    func twoSources() throws {
        #expect(try Self.verify(signature: Vectors.signatureA) == .success(.init(principal: Self.crm, webhookId: Vectors.id)))
        #expect(try Self.verify(signature: Vectors.signatureB) == .success(.init(principal: Self.dialer, webhookId: Vectors.id)))
    }

    @Test("One changed byte of the body fails the signature")
    func tamperedBody() throws {
        var body = Vectors.body
        body[body.count - 3] ^= 0x01
        let result = try Self.verifier().verify(id: Vectors.id, timestamp: Vectors.timestamp, signature: Vectors.signatureA,
                                                rawBody: body, now: Vectors.now)
        #expect(result == .failure(.signatureMismatch))
    }

    @Test("A signature made with a secret of no source is refused")
    func wrongSecret() throws {
        let signature = WebhookSecret.generate().signature(id: Vectors.id, timestamp: Vectors.timestamp, body: Vectors.body)
        #expect(try Self.verify(signature: signature) == .failure(.signatureMismatch))
    }

    @Test("The timestamp, the id and the signature header are each part of what is signed")
    func signedParts() throws {
        let verifier = try Self.verifier()
        #expect(verifier.verify(id: "msg_other", timestamp: Vectors.timestamp, signature: Vectors.signatureA,
                                rawBody: Vectors.body, now: Vectors.now) == .failure(.signatureMismatch))
        #expect(verifier.verify(id: Vectors.id, timestamp: "1767225601", signature: Vectors.signatureA,
                                rawBody: Vectors.body, now: Vectors.now) == .failure(.signatureMismatch))
    }

    @Test("Headers without a well-formed v1 entry are malformed", arguments: [
        "v1,not base64!",
        "v1,",
        "v1,AAAA",
        "yiAJiadU5xS4ESSGAnvhANKYjQujYRIAjrIAPRsBZg4=",
        "v2,yiAJiadU5xS4ESSGAnvhANKYjQujYRIAjrIAPRsBZg4=",
        "v1;yiAJiadU5xS4ESSGAnvhANKYjQujYRIAjrIAPRsBZg4=",
        " ",
    ])
    func malformedSignature(header: String) throws {
        #expect(try Self.verify(signature: header) == .failure(.malformedSignature))
    }

    @Test("In a list of signatures one matching v1 entry is enough; v2 and malformed entries are ignored")
    func signatureList() throws {
        let other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
        let header = "\(other) v2,yiAJiadU5xS4ESSGAnvhANKYjQujYRIAjrIAPRsBZg4= v1,@@ \(Vectors.signatureA)  \(other)"
        #expect(try Self.verify(signature: header) == .success(.init(principal: Self.crm, webhookId: Vectors.id)))
        #expect(try Self.verify(signature: "\(other) v2,\(Vectors.signatureA.dropFirst(3))") == .failure(.signatureMismatch))
    }

    @Test("The timestamp is accepted up to the tolerance either way, and not a second beyond", arguments: [
        (-301, WebhookRefusal.staleTimestamp(offsetSeconds: 301, toleranceSeconds: 300) as WebhookRefusal?),
        (-300, nil),
        (0, nil),
        (300, nil),
        (301, .staleTimestamp(offsetSeconds: -301, toleranceSeconds: 300)),
        (86_400, .staleTimestamp(offsetSeconds: -86_400, toleranceSeconds: 300)),
    ])
    func tolerance(secondsSinceSent: Int, refusal: WebhookRefusal?) throws {
        let now = Vectors.now.addingTimeInterval(TimeInterval(secondsSinceSent))
        let expected: Result<WebhookVerifier.Verified, WebhookRefusal> = refusal.map { .failure($0) }
            ?? .success(.init(principal: Self.crm, webhookId: Vectors.id))
        #expect(try Self.verify(now: now) == expected)
    }

    @Test("The tolerance is a parameter; fractions of a second on the clock do not count")
    func customTolerance() throws {
        #expect(try Self.verify(now: Vectors.now.addingTimeInterval(10.9), toleranceSeconds: 10)
            == .success(.init(principal: Self.crm, webhookId: Vectors.id)))
        #expect(try Self.verify(now: Vectors.now.addingTimeInterval(11), toleranceSeconds: 10)
            == .failure(.staleTimestamp(offsetSeconds: -11, toleranceSeconds: 10)))
    }

    @Test("Timestamps that are not a whole number of seconds are malformed", arguments: [
        "1767225600.5", "-1767225600", "+1767225600", "17672256OO", "1.7e9", " 1767225600", "1767225600 ",
        "0x6955B900", "1234567890123456789",
    ])
    func malformedTimestamp(timestamp: String) throws {
        #expect(try Self.verify(timestamp: timestamp) == .failure(.malformedTimestamp))
    }

    @Test("Missing or empty headers are named", arguments: [
        (nil as String?, Vectors.timestamp as String?, Vectors.signatureA as String?, ["webhook-id"]),
        (Vectors.id, nil, Vectors.signatureA, ["webhook-timestamp"]),
        (Vectors.id, Vectors.timestamp, nil, ["webhook-signature"]),
        (Vectors.id, Vectors.timestamp, "", ["webhook-signature"]),
        ("", nil, Vectors.signatureA, ["webhook-id", "webhook-timestamp"]),
        (nil, nil, nil, ["webhook-id", "webhook-timestamp", "webhook-signature"]),
    ])
    func missingHeaders(id: String?, timestamp: String?, signature: String?, missing: [String]) throws {
        let result = try Self.verifier().verify(id: id, timestamp: timestamp, signature: signature, rawBody: Vectors.body,
                                                now: Vectors.now)
        #expect(result == .failure(.missingHeaders(missing)))
    }

    @Test("A webhook-id must be 1 to 256 printable ASCII characters")
    func webhookId() throws {
        let secret = try WebhookSecret.parse(Vectors.secretA)
        let verifier = try Self.verifier()
        for (id, accepted) in [(String(repeating: "m", count: 256), true), (String(repeating: "m", count: 257), false),
                               ("msg 1", false), ("msg\u{7F}", false), ("msg_é", false), ("msg\t1", false), ("~!", true)] {
            let signature = secret.signature(id: id, timestamp: Vectors.timestamp, body: Vectors.body)
            let result = verifier.verify(id: id, timestamp: Vectors.timestamp, signature: signature, rawBody: Vectors.body,
                                         now: Vectors.now)
            #expect(result == (accepted ? .success(.init(principal: Self.crm, webhookId: id)) : .failure(.malformedWebhookId)), "\(id)")
        }
    }

    @Test("Refusals carry stable codes and sentences", arguments: [
        (WebhookRefusal.missingHeaders(["webhook-id"]), "missing_webhook_headers",
         "The webhook-id header is missing; a signed webhook carries webhook-id, webhook-timestamp and webhook-signature."),
        (.missingHeaders(["webhook-id", "webhook-timestamp", "webhook-signature"]), "missing_webhook_headers",
         "The webhook-id, webhook-timestamp and webhook-signature headers are missing; a signed webhook carries webhook-id, webhook-timestamp and webhook-signature."),
        (.malformedWebhookId, "malformed_webhook_id", "The webhook-id header must be 1 to 256 printable ASCII characters."),
        (.malformedTimestamp, "malformed_timestamp", "The webhook-timestamp header must be a whole number of seconds since 1970-01-01T00:00:00Z."),
        (.staleTimestamp(offsetSeconds: -301, toleranceSeconds: 300), "stale_timestamp",
         "The webhook-timestamp is 301 seconds in the past; CallGate accepts 300 seconds either way."),
        (.staleTimestamp(offsetSeconds: 400, toleranceSeconds: 300), "stale_timestamp",
         "The webhook-timestamp is 400 seconds in the future; CallGate accepts 300 seconds either way."),
        (.malformedSignature, "malformed_signature",
         "The webhook-signature header holds no v1 signature; expected space-separated entries v1,<base64 of the 32-byte HMAC-SHA256>."),
        (.signatureMismatch, "signature_mismatch",
         "No signature in webhook-signature matches a configured webhook secret for this id, timestamp and body."),
    ])
    func refusalText(refusal: WebhookRefusal, code: String, message: String) {
        #expect(refusal.code == code)
        #expect(refusal.message == message)
    }

    // MARK: Secrets

    @Test("A new secret is whsec_ and the base64 of 32 random bytes, and no two are alike")
    func generate() throws {
        let secrets = (0..<100).map { _ in WebhookSecret.generate().text }
        #expect(Set(secrets).count == 100)
        for secret in secrets {
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            #expect(try WebhookSecret.parse(secret).key.count == 32)
        }
    }

    @Test("Texts that are not webhook secrets are refused with a reason", arguments: [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", WebhookSecretError.missingPrefix),
        ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .missingPrefix),
        ("whsec_", .invalidBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", .invalidBase64),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w", .invalidBase64),
        ("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", .keyTooShort(bytes: 23)),
    ])
    func badSecrets(text: String, error: WebhookSecretError) {
        #expect(throws: error) { try WebhookSecret.parse(text) }
    }

    @Test("Secret errors have stable codes and sentences")
    func secretErrorText() {
        #expect(WebhookSecretError.missingPrefix.code == "missing_prefix")
        #expect(WebhookSecretError.invalidBase64.code == "invalid_base64")
        #expect(WebhookSecretError.keyTooShort(bytes: 16).code == "key_too_short")
        #expect("\(WebhookSecretError.keyTooShort(bytes: 16))" == "This webhook secret's key has 16 bytes; at least 24 are needed.")
    }

    // MARK: The sources file

    @Test("Added, rotated and retired secrets: both accepted during a rotation, only the newest after")
    func rotation() throws {
        var file = WebhookSourcesFile()
        let first = try file.addSource(name: "crm", role: .manager, services: [21429], agentLoginId: nil)
        let second = try file.rotate(name: "crm")
        #expect(first != second)
        #expect(file.sources[0].secrets == [first, second])

        func verify(with secret: String, in file: WebhookSourcesFile) throws -> Result<WebhookVerifier.Verified, WebhookRefusal> {
            let signature = try WebhookSecret.parse(secret).signature(id: Vectors.id, timestamp: Vectors.timestamp, body: Vectors.body)
            return file.verifier().verify(id: Vectors.id, timestamp: Vectors.timestamp, signature: signature,
                                          rawBody: Vectors.body, now: Vectors.now)
        }
        let accepted = Result<WebhookVerifier.Verified, WebhookRefusal>.success(.init(principal: Self.crm, webhookId: Vectors.id))
        #expect(try verify(with: first, in: file) == accepted)
        #expect(try verify(with: second, in: file) == accepted)

        try file.retire(name: "crm")
        #expect(file.sources[0].secrets == [second])
        #expect(try verify(with: first, in: file) == .failure(.signatureMismatch))
        #expect(try verify(with: second, in: file) == accepted)
    }

    @Test("Duplicate names, unknown names and a retire with nothing to retire are refused")
    func fileChangeErrors() throws {
        var file = WebhookSourcesFile()
        _ = try file.addSource(name: "crm", role: .manager, services: nil, agentLoginId: nil)
        #expect(throws: WebhookSourcesFileError("A webhook source named 'crm' already exists; choose another name.")) {
            _ = try file.addSource(name: "crm", role: .manager, services: nil, agentLoginId: nil)
        }
        #expect(throws: WebhookSourcesFileError("No webhook source is named 'nobody'.")) { _ = try file.rotate(name: "nobody") }
        #expect(throws: WebhookSourcesFileError("No webhook source is named 'nobody'.")) { try file.retire(name: "nobody") }
        #expect(throws: WebhookSourcesFileError("The webhook source 'crm' has a single secret; there is no rotation to end.")) {
            try file.retire(name: "crm")
        }
        #expect(throws: WebhookSourcesFileError("the new source, source #2 (a7): an Agent source needs its agentLoginId.")) {
            _ = try file.addSource(name: "a7", role: .agent, services: nil, agentLoginId: nil)
        }
        #expect(file.sources.map(\.name) == ["crm"], "a refused source is not added")
    }

    @Test("The file round-trips, is written 0600 and says that it holds secrets")
    func roundTrip() throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let path = directory.path + "/sub/webhook-sources.yaml"
        var file = WebhookSourcesFile()
        let secret = try file.addSource(name: "crm", role: .manager, services: [21429, 50123], agentLoginId: nil)
        _ = try file.addSource(name: "dialer", role: .agent, services: nil, agentLoginId: "agent007")
        try file.save(path: path)

        #expect(try WebhookSourcesFile.load(path: path) == file)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# CallGate webhook sources. This file holds the signing secrets themselves"))
        #expect(text.contains(secret))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/sub") == ["webhook-sources.yaml"])
    }

    @Test("Invalid sources files are refused with a message naming the file, the source and the field", arguments: [
        ("sources:\n  - {name: a, role: Boss, secrets: [\(Vectors.secretA)], createdAt: x}\n",
         "FILE, source #1 (a): unknown role 'Boss'; use Sysadmin, Superuser, Manager or Agent."),
        ("sources:\n  - {name: a, role: Agent, secrets: [\(Vectors.secretA)], createdAt: x}\n",
         "FILE, source #1 (a): an Agent source needs its agentLoginId."),
        ("sources:\n  - {name: a, role: Manager, agentLoginId: x, secrets: [\(Vectors.secretA)], createdAt: x}\n",
         "FILE, source #1 (a): only Agent sources have an agentLoginId."),
        ("sources:\n  - {name: a, role: Manager, secrets: [\(Vectors.secretA)], createdAt: x}\n  - {name: a, role: Manager, secrets: [\(Vectors.secretB)], createdAt: x}\n",
         "FILE, source #2 (a): the name is used by another source; names must be unique."),
        ("sources:\n  - {name: a, role: Manager, secrets: [], createdAt: x}\n",
         "FILE, source #1 (a): secrets is empty; a source needs at least one secret."),
        ("sources:\n  - {name: a, role: Manager, secrets: [\(Vectors.secretA), 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], createdAt: x}\n",
         "FILE, source #1 (a), secrets #2: A webhook secret starts with whsec_; this one does not."),
        ("sources:\n  - {name: a, role: Manager, secrets: ['whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='], createdAt: x}\n",
         "FILE, source #1 (a), secrets #1: This webhook secret's key has 23 bytes; at least 24 are needed."),
        ("sources:\n  - {name: a, role: Manager, services: [], secrets: [\(Vectors.secretA)], createdAt: x}\n",
         "FILE, source #1 (a): services is empty; omit it to allow every service."),
    ])
    func invalidFiles(yaml: String, message: String) throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let path = directory.path + "/webhook-sources.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: WebhookSourcesFileError(message.replacingOccurrences(of: "FILE", with: path))) {
            try WebhookSourcesFile.load(path: path)
        }
    }

    @Test("A file that is not the expected YAML is refused as not valid", arguments: [
        "sources: [\n", "sources:\n  - {name: a, role: Manager, secrets: [\(Vectors.secretA)]}\n",
    ])
    func undecodable(yaml: String) throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let path = directory.path + "/webhook-sources.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try WebhookSourcesFile.load(path: path)
        } throws: { error in
            "\(error)".hasPrefix("The webhook sources file \(path) is not valid: ")
        }
    }

    // MARK: The store

    @Test("The store verifies against the file, swaps it whole on reload and keeps it when the reload fails")
    func store() throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let path = directory.path + "/webhook-sources.yaml"
        var file = WebhookSourcesFile(sources: [
            .init(name: "crm", role: "Manager", services: [21429], secrets: [Vectors.secretA], createdAt: "2026-01-01T00:00:00Z"),
        ])
        try file.save(path: path)
        let store = try WebhookSourceStore(path: path)
        #expect(store.count == 1)
        func verify(_ signature: String) -> Result<WebhookVerifier.Verified, WebhookRefusal> {
            store.verify(id: Vectors.id, timestamp: Vectors.timestamp, signature: signature, rawBody: Vectors.body, now: Vectors.now)
        }
        #expect(verify(Vectors.signatureA) == .success(.init(principal: Self.crm, webhookId: Vectors.id)))
        #expect(verify(Vectors.signatureB) == .failure(.signatureMismatch))

        file.sources.append(.init(name: "dialer", role: "Agent", agentLoginId: "agent007", secrets: [Vectors.secretB],
                                  createdAt: "2026-01-01T00:00:00Z"))
        try file.save(path: path)
        #expect(verify(Vectors.signatureB) == .failure(.signatureMismatch), "the old sources stay until reload")
        try store.reload()
        #expect(store.count == 2)
        #expect(verify(Vectors.signatureB) == .success(.init(principal: Self.dialer, webhookId: Vectors.id)))

        try "sources: [".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: WebhookSourcesFileError.self) { try store.reload() }
        #expect(verify(Vectors.signatureB) == .success(.init(principal: Self.dialer, webhookId: Vectors.id)))
    }
}
