import CallGateCore
import Foundation

/// The API keys file (YAML): one entry per key, holding only the key's SHA-256 digest.
///
/// ```yaml
/// keys:
///   - name: crm-prod
///     role: Manager
///     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
///     services: [21429, 50123]      # absent: every service
///     agentLoginId: agent007        # Agents only, and required for them
///     rateLimit: {requestsPerSecond: 20, burst: 40}   # absent: the gateway's default
///     createdAt: 2026-11-29T17:00:00Z
///     revokedAt: 2026-12-01T09:00:00Z   # present once revoked; the key no longer authenticates
/// ```
public struct KeysFile: Codable, Sendable, Equatable {
    /// One key.
    public struct Entry: Codable, Sendable, Equatable {
        /// A unique name, used in logs and the audit trail.
        public var name: String
        /// A LiveVox role: Sysadmin, Superuser, Manager or Agent.
        public var role: String
        /// The lowercase hex SHA-256 digest of the key.
        public var sha256: String
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

        /// Creates an entry.
        public init(name: String, role: String, sha256: String, services: [Int64]? = nil,
                    agentLoginId: String? = nil, createdAt: String? = nil, revokedAt: String? = nil,
                    rateLimit: RateLimit? = nil) {
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
    public init(keys: [Entry] = []) { self.keys = keys }

    /// Reads and validates a keys file; a missing file is an error (see ``loadOrEmpty(path:)``).
    public static func load(path: String) throws(KeysFileError) -> KeysFile {
        let file: KeysFile
        do {
            file = try IdentityFile.read(KeysFile.self, path: path, kind: "keys file")
        } catch {
            throw KeysFileError(error.message)
        }
        try file.validate(path: path)
        return file
    }

    /// Reads a keys file, or returns an empty one when the file does not exist yet.
    public static func loadOrEmpty(path: String) throws(KeysFileError) -> KeysFile {
        FileManager.default.fileExists(atPath: path) ? try load(path: path) : KeysFile()
    }

    /// Checks what YAML decoding cannot: unique names, known roles, digests, the Agent rule.
    public func validate(path: String) throws(KeysFileError) {
        var names = Set<String>()
        for (index, entry) in keys.enumerated() {
            let position = "\(path), key #\(index + 1) (\(entry.name))"
            do {
                _ = try IdentityFile.checkScope(name: entry.name, role: entry.role, services: entry.services,
                                                agentLoginId: entry.agentLoginId, noun: "key", names: &names)
            } catch {
                throw KeysFileError("\(position): \(error.message)")
            }
            guard entry.sha256.utf8.count == 64, entry.sha256.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            else { throw KeysFileError("\(position): sha256 must be 64 lowercase hex digits.") }
            if let problem = entry.rateLimit?.problem(in: "\(position), rateLimit") { throw KeysFileError(problem) }
        }
    }

    /// Writes the file atomically (a temporary file renamed over it), readable by its owner only.
    public func save(path: String) throws(KeysFileError) {
        let header = "# CallGate API keys. Only SHA-256 digests are stored: a key is shown once, when it is created.\n"
        do {
            try IdentityFile.write(self, header: header, path: path, kind: "keys file")
        } catch {
            throw KeysFileError(error.message)
        }
    }

    /// Adds a new key and returns it; the key itself is not stored.
    public mutating func create(name: String, role: LiveVoxRole, services: [Int64]?, agentLoginId: String?,
                                rateLimit: RateLimit? = nil, now: Date = Date()) throws(KeysFileError) -> String {
        guard !keys.contains(where: { $0.name == name }) else {
            throw KeysFileError("A key named '\(name)' already exists; choose another name or revoke it first.")
        }
        let key = APIKey.generate()
        keys.append(Entry(name: name, role: role.rawValue, sha256: APIKey.digest(of: key), services: services,
                          agentLoginId: agentLoginId, createdAt: IdentityFile.timestamp(now), rateLimit: rateLimit))
        try validate(path: "the new key")
        return key
    }

    /// Marks the key named `name` revoked.
    public mutating func revoke(name: String, now: Date = Date()) throws(KeysFileError) {
        guard let index = keys.firstIndex(where: { $0.name == name }) else {
            throw KeysFileError("No key is named '\(name)'.")
        }
        guard keys[index].revokedAt == nil else { throw KeysFileError("The key '\(name)' is already revoked.") }
        keys[index].revokedAt = IdentityFile.timestamp(now)
    }

    /// The principals of the keys that still authenticate, by digest.
    func principalsByDigest() -> [APIKeyDigest: Principal] {
        var table: [APIKeyDigest: Principal] = [:]
        for entry in keys where entry.revokedAt == nil {
            guard let role = LiveVoxRole(name: entry.role), let digest = APIKeyDigest(hex: entry.sha256) else { continue }
            table[digest] = Principal(name: entry.name, role: role, services: entry.services.map(Set.init),
                                            agentLoginId: entry.agentLoginId, authMethod: .apiKey, rateLimit: entry.rateLimit)
        }
        return table
    }
}

/// Why a keys file could not be read, written or changed; the message names the file and the key.
public struct KeysFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    init(_ description: String) { self.description = description }
}
