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
///     outsideWindow: adjust         # callbacks outside the calling window: refuse (absent) or adjust
///     secrets:                      # oldest first; the last is the newest
///       - whsec_...                 # 32 random bytes, base64
///     createdAt: 2026-11-29T17:00:00Z
/// ```
public struct WebhookSourcesFile: IdentityFileContent {
    /// One sender.
    public struct Source: IdentityFileEntry {
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
        /// What its callbacks outside the calling window get: `refuse` (absent) or `adjust`.
        public var outsideWindow: WebhookOutsideWindow?

        /// Creates an entry.
        public init(name: String, role: String, services: [Int64]? = nil, agentLoginId: String? = nil,
                    secrets: [String], createdAt: String, rateLimit: RateLimit? = nil,
                    outsideWindow: WebhookOutsideWindow? = nil) {
            self.name = name
            self.role = role
            self.services = services
            self.agentLoginId = agentLoginId
            self.secrets = secrets
            self.createdAt = createdAt
            self.rateLimit = rateLimit
            self.outsideWindow = outsideWindow
        }
    }

    /// The sources, in the order they were added.
    public var sources: [Source]

    /// Creates a file's content.
    public init(sources: [Source]) { self.sources = sources }

    /// An empty file.
    public init() { self.init(sources: []) }

    /// The sources, as ``IdentityFileContent`` names them.
    public var entries: [Source] {
        get { sources }
        set { sources = newValue }
    }

    /// One source, as ``IdentityFileContent`` names it.
    public typealias Entry = Source
    /// What the file's operations throw.
    public typealias Failure = WebhookSourcesFileError

    /// The file in messages.
    public static let kind = "webhook sources file"
    /// A source in messages about its position and scope.
    public static let noun = "source"
    /// A source in messages about the whole file.
    public static let fullNoun = "webhook source"
    /// The file's first lines: it holds the secrets themselves.
    public static let header = """
        # CallGate webhook sources. This file holds the signing secrets themselves (an HMAC cannot be
        # checked against a digest): keep it mode 0600 and share it with nothing less trusted than them.

        """

    /// `callgate serve`'s default webhook sources file.
    public static var defaultPath: String { GatewaySettings().webhookSourcesFile }

    /// No secret, or a secret that is not a Standard Webhooks secret.
    public static func problem(with source: Source) -> String? {
        guard !source.secrets.isEmpty else { return ": secrets is empty; a source needs at least one secret." }
        for (index, secret) in source.secrets.enumerated() {
            do {
                _ = try WebhookSecret.parse(secret)
            } catch {
                return ", secrets #\(index + 1): \(error)"
            }
        }
        return nil
    }

    /// Adds a source with a new secret and returns the secret (`whsec_...`) for the sender.
    public mutating func addSource(name: String, role: LiveVoxRole, services: [Int64]?, agentLoginId: String?,
                                   rateLimit: RateLimit? = nil, now: Date = Date()) throws(WebhookSourcesFileError) -> String {
        let secret = WebhookSecret.generate()
        try append(Source(name: name, role: role.rawValue, services: services, agentLoginId: agentLoginId,
                          secrets: [secret.text], createdAt: IdentityFile.timestamp(now), rateLimit: rateLimit),
                   duplicate: "A webhook source named '\(name)' already exists; choose another name.")
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
            return WebhookVerifier.Source(principal: principal, secrets: source.secrets.compactMap { try? WebhookSecret.parse($0) },
                                          outsideWindow: source.outsideWindow ?? .refuse)
        }
        return WebhookVerifier(sources: candidates, toleranceSeconds: toleranceSeconds)
    }
}

/// Why a webhook sources file could not be read, written or changed; the message names the file,
/// the source and the field.
public struct WebhookSourcesFileError: IdentityFileFailure, Sendable, Equatable, CustomStringConvertible {
    /// The message.
    public let description: String

    /// An error with that message.
    public init(_ description: String) { self.description = description }
}
