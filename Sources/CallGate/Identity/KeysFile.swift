import CallGateCore
import Foundation

/// The API keys file (YAML): one entry per key, holding only the key's SHA-256 digest, or under
/// mutual TLS the subject of a client certificate that authenticates in place of a key.
///
/// ```yaml
/// keys:
///   - name: crm-prod
///     role: Manager
///     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
///     # or, in place of sha256: clientCertificateSubject: "CN=crm-prod,O=Example"
///     services: [21429, 50123]      # absent: every service
///     agentLoginId: agent007        # Agents only, and required for them
///     rateLimit: {requestsPerSecond: 20, burst: 40}   # absent: the gateway's default
///     createdAt: 2026-11-29T17:00:00Z
///     revokedAt: 2026-12-01T09:00:00Z   # present once revoked; the key no longer authenticates
///     development: true             # only on the keys made for the embedded simulator
/// ```
public struct KeysFile: IdentityFileContent {
    /// One key.
    public struct Entry: IdentityFileEntry {
        /// A unique name, used in logs and the audit trail.
        public var name: String
        /// A LiveVox role: Sysadmin, Superuser, Manager or Agent.
        public var role: String
        /// The lowercase hex SHA-256 digest of the key; absent for a client certificate's entry.
        public var sha256: String?
        /// The subject (RFC 4514, as `openssl x509 -noout -subject -nameopt RFC2253` prints it) of
        /// the client certificate that authenticates as this entry, in place of a key.
        public var clientCertificateSubject: String?
        /// The service ids the key may use; absent means every service.
        public var services: [Int64]?
        /// For an Agent key, the agent login id it schedules callbacks for.
        public var agentLoginId: String?
        /// When the key was created (ISO 8601).
        public var createdAt: String?
        /// When the key was revoked (ISO 8601); a revoked key no longer authenticates.
        public var revokedAt: String?
        /// The key's own rate limit; absent means the gateway's default.
        public var rateLimit: RateLimit?
        /// True for the keys `callgate serve` makes for the embedded simulator on its first run;
        /// `serve` against a real LiveVox refuses to start while one of them is active.
        public var development: Bool?

        /// Creates an entry.
        public init(name: String, role: String, sha256: String?, services: [Int64]? = nil,
                    agentLoginId: String? = nil, createdAt: String? = nil, revokedAt: String? = nil,
                    rateLimit: RateLimit? = nil, clientCertificateSubject: String? = nil) {
            self.clientCertificateSubject = clientCertificateSubject
            self.rateLimit = rateLimit
            self.name = name
            self.role = role
            self.sha256 = sha256
            self.services = services
            self.agentLoginId = agentLoginId
            self.createdAt = createdAt
            self.revokedAt = revokedAt
        }
    }

    /// The keys, in the order they were created.
    public var keys: [Entry]

    /// Creates a file's content.
    public init(keys: [Entry]) { self.keys = keys }

    /// An empty file.
    public init() { self.init(keys: []) }

    /// The keys, as ``IdentityFileContent`` names them.
    public var entries: [Entry] {
        get { keys }
        set { keys = newValue }
    }

    /// What the file's operations throw.
    public typealias Failure = KeysFileError

    /// The file in messages.
    public static let kind = "keys file"
    /// A key in messages.
    public static let noun = "key"
    /// A key in messages about the whole file.
    public static let fullNoun = "key"
    /// The file's first line: what it holds and what it does not.
    public static let header = "# CallGate API keys. Only SHA-256 digests are stored: a key is shown once, when it is created.\n"

    /// `callgate serve`'s default keys file.
    public static var defaultPath: String { GatewaySettings().keysFile }

    /// Not exactly one of a digest and a client certificate subject, or a digest that is not 64
    /// lowercase hex digits.
    public static func problem(with entry: Entry) -> String? {
        switch (entry.sha256, entry.clientCertificateSubject) {
        case (nil, nil), (_?, _?):
            return ": give either sha256 (a key) or clientCertificateSubject (a client certificate), not both."
        case (nil, let subject?):
            return subject.isEmpty ? ": clientCertificateSubject is empty." : nil
        case (let sha256?, nil):
            return sha256.utf8.count == 64 && sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
                ? nil : ": sha256 must be 64 lowercase hex digits."
        }
    }

    /// Adds a new key and returns it; the key itself is not stored.
    public mutating func create(name: String, role: LiveVoxRole, services: [Int64]?, agentLoginId: String?,
                                rateLimit: RateLimit? = nil, now: Date = Date()) throws(KeysFileError) -> String {
        let key = APIKey.generate()
        try append(Entry(name: name, role: role.rawValue, sha256: APIKey.digest(of: key), services: services,
                         agentLoginId: agentLoginId, createdAt: IdentityFile.timestamp(now), rateLimit: rateLimit),
                   duplicate: "A key named '\(name)' already exists; choose another name or revoke it first.")
        return key
    }

    /// The names of the active development keys (``Entry/development``).
    public var activeDevelopmentKeyNames: [String] {
        keys.filter { $0.development == true && $0.revokedAt == nil }.map(\.name)
    }

    /// Marks the key named `name` revoked.
    public mutating func revoke(name: String, now: Date = Date()) throws(KeysFileError) {
        let index = try self.index(of: name)
        guard keys[index].revokedAt == nil else { throw KeysFileError("The key '\(name)' is already revoked.") }
        keys[index].revokedAt = IdentityFile.timestamp(now)
    }

    /// The principals of the entries that still authenticate: keys by digest, client certificates
    /// by subject. Two such entries naming one subject are refused: which one a certificate stands
    /// for would be a guess.
    func principals(path: String) throws(KeysFileError) -> APIKeyStore.Tables {
        var tables = APIKeyStore.Tables()
        for entry in keys where entry.revokedAt == nil {
            guard let role = LiveVoxRole(name: entry.role) else { continue }
            let principal = { (method: Principal.AuthMethod) in
                Principal(name: entry.name, role: role, services: entry.services.map(Set.init),
                          agentLoginId: entry.agentLoginId, authMethod: method, rateLimit: entry.rateLimit)
            }
            if let subject = entry.clientCertificateSubject {
                guard tables.bySubject.updateValue(principal(.mtls), forKey: subject) == nil else {
                    throw KeysFileError("\(path), key \(entry.name): another active entry names the client certificate subject '\(subject)'.")
                }
            } else if let digest = entry.sha256.flatMap(APIKeyDigest.init(hex:)) {
                tables.byDigest[digest] = principal(.apiKey)
            }
        }
        return tables
    }
}

/// Why a keys file could not be read, written or changed; the message names the file and the key.
public struct KeysFileError: IdentityFileFailure, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    /// An error with that message.
    public init(_ description: String) { self.description = description }
}
