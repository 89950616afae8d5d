import CallGateCore
import Foundation

/// The webhook sources file (YAML): one entry per sender of signed webhooks (Standard Webhooks).
///
/// Unlike the keys file, this file holds the secrets themselves: verifying an HMAC needs the key,
/// not a digest of it. It is written with mode 0600; keep it out of anything less trusted than the
/// secrets. A source has several secrets while one is being rotated: every one is accepted until
/// the rotation is ended with ``retire(name:)``.
///
/// ```yaml
/// sources:
///   - name: crm-prod
///     role: Manager
///     services: [21429, 50123]      # absent: every service
///     agentLoginId: agent007        # Agents only, and required for them
///     rateLimit:                    # optional; absent: the gateway's --rate-limit-per-second
///       requestsPerSecond: 50
///       burst: 100
///     secrets:                      # oldest first; the last is the newest
///       - whsec_...                 # 32 random bytes, base64
///     createdAt: 2026-11-29T17:00:00Z
/// ```
public struct WebhookSourcesFile: Codable, Sendable, Equatable {
    /// One sender.
    public struct Source: Codable, Sendable, Equatable {
        /// A unique name: the principal's name in logs and the audit trail.
        public var name: String
        /// A LiveVox role: Sysadmin, Superuser, Manager or Agent.
        public var role: String
        /// The service ids the source may use; absent means every service.
        public var services: [Int64]?
        /// For an Agent source, the agent login id it schedules callbacks for.
        public var agentLoginId: String?
        /// The signing secrets (`whsec_...`), oldest first; each one authenticates.
        public var secrets: [String]
        /// When the source was added (ISO 8601).
        public var createdAt: String
        /// The source's own rate limit; absent means the gateway's default.
        public var rateLimit: RateLimit?

        /// Creates an entry.
        public init(name: String, role: String, services: [Int64]? = nil, agentLoginId: String? = nil,
                    secrets: [String], createdAt: String, rateLimit: RateLimit? = nil) {
            self.name = name
            self.role = role
            self.services = services
            self.agentLoginId = agentLoginId
            self.secrets = secrets
            self.createdAt = createdAt
            self.rateLimit = rateLimit
        }
    }

    /// The sources, in the order they were added.
    public var sources: [Source]

    /// Creates a file's content.
    public init(sources: [Source] = []) { self.sources = sources }

    /// Reads and validates a sources file; a missing file is an error (see ``loadOrEmpty(path:)``).
    public static func load(path: String) throws(WebhookSourcesFileError) -> WebhookSourcesFile {
        let file: WebhookSourcesFile
        do {
            file = try IdentityFile.read(WebhookSourcesFile.self, path: path, kind: "webhook sources file")
        } catch {
            throw WebhookSourcesFileError(error.message)
        }
        try file.validate(path: path)
        return file
    }

    /// Reads a sources file, or returns an empty one when the file does not exist yet.
    public static func loadOrEmpty(path: String) throws(WebhookSourcesFileError) -> WebhookSourcesFile {
        FileManager.default.fileExists(atPath: path) ? try load(path: path) : WebhookSourcesFile()
    }

    /// Checks what YAML decoding cannot: unique names, known roles, the Agent rule, well-formed secrets.
    public func validate(path: String) throws(WebhookSourcesFileError) {
        var names = Set<String>()
        for (index, source) in sources.enumerated() {
            let position = "\(path), source #\(index + 1) (\(source.name))"
            do {
                _ = try IdentityFile.checkScope(name: source.name, role: source.role, services: source.services,
                                                agentLoginId: source.agentLoginId, noun: "source", names: &names)
            } catch {
                throw WebhookSourcesFileError("\(position): \(error.message)")
            }
            if let problem = source.rateLimit?.problem(in: "\(position), rateLimit") { throw WebhookSourcesFileError(problem) }
            guard !source.secrets.isEmpty else {
                throw WebhookSourcesFileError("\(position): secrets is empty; a source needs at least one secret.")
            }
            for (secretIndex, secret) in source.secrets.enumerated() {
                do {
                    _ = try WebhookSecret.parse(secret)
                } catch {
                    throw WebhookSourcesFileError("\(position), secrets #\(secretIndex + 1): \(error)")
                }
            }
        }
    }

    /// Writes the file atomically (a temporary file renamed over it), readable by its owner only.
    public func save(path: String) throws(WebhookSourcesFileError) {
        let header = """
            # CallGate webhook sources. This file holds the signing secrets themselves (an HMAC cannot be
            # checked against a digest): keep it mode 0600 and share it with nothing less trusted than them.

            """
        do {
            try IdentityFile.write(self, header: header, path: path, kind: "webhook sources file")
        } catch {
            throw WebhookSourcesFileError(error.message)
        }
    }

    /// Adds a source with a new secret and returns the secret (`whsec_...`) for the sender.
    public mutating func addSource(name: String, role: LiveVoxRole, services: [Int64]?, agentLoginId: String?,
                                   rateLimit: RateLimit? = nil, now: Date = Date()) throws(WebhookSourcesFileError) -> String {
        guard !sources.contains(where: { $0.name == name }) else {
            throw WebhookSourcesFileError("A webhook source named '\(name)' already exists; choose another name.")
        }
        let secret = WebhookSecret.generate()
        var updated = self
        updated.sources.append(Source(name: name, role: role.rawValue, services: services, agentLoginId: agentLoginId,
                                      secrets: [secret.text], createdAt: IdentityFile.timestamp(now), rateLimit: rateLimit))
        try updated.validate(path: "the new source")
        self = updated
        return secret.text
    }

    /// Starts (or continues) a rotation: appends a new secret and returns it; the old ones stay
    /// valid until ``retire(name:)``, so the sender can switch at its own pace.
    public mutating func rotate(name: String) throws(WebhookSourcesFileError) -> String {
        let index = try self.index(of: name)
        let secret = WebhookSecret.generate()
        sources[index].secrets.append(secret.text)
        return secret.text
    }

    /// Ends a rotation: keeps only the newest secret of the source named `name`.
    public mutating func retire(name: String) throws(WebhookSourcesFileError) {
        let index = try self.index(of: name)
        guard let newest = sources[index].secrets.last, sources[index].secrets.count > 1 else {
            throw WebhookSourcesFileError("The webhook source '\(name)' has a single secret; there is no rotation to end.")
        }
        sources[index].secrets = [newest]
    }

    /// The verifier for these sources (the file is valid: ``load(path:)`` checked it).
    public func verifier(toleranceSeconds: Int = WebhookVerifier.defaultToleranceSeconds) -> WebhookVerifier {
        let candidates = sources.compactMap { source -> WebhookVerifier.Source? in
            guard let role = LiveVoxRole(name: source.role) else { return nil }
            let principal = Principal(name: source.name, role: role, services: source.services.map(Set.init),
                                      agentLoginId: source.agentLoginId, authMethod: .webhook, rateLimit: source.rateLimit)
            return WebhookVerifier.Source(principal: principal, secrets: source.secrets.compactMap { try? WebhookSecret.parse($0) })
        }
        return WebhookVerifier(sources: candidates, toleranceSeconds: toleranceSeconds)
    }

    private func index(of name: String) throws(WebhookSourcesFileError) -> Int {
        guard let index = sources.firstIndex(where: { $0.name == name }) else {
            throw WebhookSourcesFileError("No webhook source is named '\(name)'.")
        }
        return index
    }
}

/// Why a webhook sources file could not be read, written or changed; the message names the file,
/// the source and the field.
public struct WebhookSourcesFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    init(_ description: String) { self.description = description }
}
