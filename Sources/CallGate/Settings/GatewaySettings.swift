import CallGateCore
import Configuration

/// Every setting of `callgate serve`, read once at start from (highest first) a flag, an
/// environment variable `CALLGATE_...`, or the YAML config file (`--config`), else its default.
///
/// ``Setting/all`` is the one list: the flags, the README table and the checks come from it.
public struct GatewaySettings: Sendable, Hashable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on.
    public var port: Int
    /// LiveVox's base URL; `nil` runs the embedded simulator.
    public var upstreamURL: String?
    /// A version segment inserted after the category, e.g. `v6.0`.
    public var upstreamPathPrefix: String
    /// The `LV-Access` token.
    public var upstreamAccessToken: String
    /// The LiveVox client code.
    public var upstreamClientName: String
    /// The LiveVox API user.
    public var upstreamUserName: String
    /// The LiveVox API user's password.
    public var upstreamPassword: String
    /// `path` (documented) or `query` (`?serviceId=`) for queue stats upstream.
    public var upstreamQueueStatsStyle: String
    /// The IANA zone of LiveVox's offset-less timestamps.
    public var upstreamTimeZone: String
    /// Keep-alive connections to LiveVox at most.
    public var upstreamMaxConnections: Int
    /// Total time allowed per upstream operation, in seconds.
    public var upstreamTimeoutSeconds: Int
    /// A CA bundle to verify LiveVox's certificate with (default: the system's).
    public var upstreamCAFile: String?
    /// A client certificate for mutual TLS.
    public var upstreamClientCertificate: String?
    /// The client certificate's private key.
    public var upstreamClientKey: String?
    /// The API keys file.
    public var keysFile: String
    /// The largest request body, in bytes.
    public var maxBodyBytes: Int
    /// The most calls in one batch.
    public var maxBatchSize: Int
    /// The regions whose numbers may be dialed.
    public var allowedRegions: String
    /// swift-log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// `text` (swift-log's default lines) or `json` (one object per line).
    public var logFormat: String
    /// The audit store, e.g. `sqlite:data/callgate.sqlite`.
    public var store: String
    /// The file holding the audit secret (chain and phone fingerprints); created on first run.
    public var auditKeyFile: String
    /// The audit secret itself (hex or text, at least 16 bytes); overrides the key file.
    public var auditSecret: String?
    /// Days audit records are kept; 0 keeps them forever.
    public var auditRetentionDays: Int
    /// The default rate limit per principal, in requests per second; 0: no default limit.
    public var rateLimitPerSecond: Double
    /// The default burst; 0: twice the rate.
    public var rateLimitBurst: Int
    /// The webhook sources file (YAML, with secrets); absent: no webhook is accepted until it exists.
    public var webhookSourcesFile: String
    /// How far a webhook's timestamp may be from now, in seconds.
    public var webhookToleranceSeconds: Int
    /// How long an accepted webhook is retried, in hours.
    public var webhookRetryHours: Int
    /// How long an Idempotency-Key is kept, in hours.
    public var idempotencyTTLHours: Int
    /// CallGate's name in JWTs' `aud`; set, it turns JWT bearer tokens on.
    public var jwtAudience: String?
    /// Accepted JWT issuers, comma-separated.
    public var jwtIssuers: String?
    /// HS256 secrets, comma-separated.
    public var jwtHS256Secrets: String?
    /// A JWKS file of RS256 and ES256 public keys.
    public var jwtJWKSFile: String?
    /// Clock skew allowed on `exp` and `nbf`.
    public var jwtLeewaySeconds: Int
    /// The claims naming the role, the services and an Agent's login id.
    public var jwtRoleClaim: String
    public var jwtServicesClaim: String
    public var jwtAgentLoginIdClaim: String
    public var jwtRateLimitClaim: String

    /// The JWT settings, when JWT bearer tokens are on.
    public var jwt: JWTSettings? {
        guard let jwtAudience else { return nil }
        func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return JWTSettings(hs256Secrets: list(jwtHS256Secrets), jwksFile: jwtJWKSFile, issuers: list(jwtIssuers),
                           audience: jwtAudience, leewaySeconds: jwtLeewaySeconds, roleClaim: jwtRoleClaim,
                           servicesClaim: jwtServicesClaim, agentLoginIdClaim: jwtAgentLoginIdClaim,
                           rateLimitClaim: jwtRateLimitClaim)
    }

    /// The default rate limit, when there is one.
    public var defaultRateLimit: RateLimit? {
        rateLimitPerSecond > 0 ? RateLimit(requestsPerSecond: rateLimitPerSecond, burst: rateLimitBurst > 0 ? rateLimitBurst : nil) : nil
    }

    /// One setting: its configuration key, flag, environment variable, default and meaning.
    public struct Setting: Sendable, Hashable {
        /// The configuration key, e.g. `upstream.url` (also its path in the config file).
        public let key: String
        /// The default, as text; `nil` means unset.
        public let defaultValue: String?
        /// Whether it is a secret (never logged).
        public let isSecret: Bool
        /// What it does.
        public let help: String

        /// `--upstream-url`.
        public var flag: String { "--" + key.replacingDotsAndCamelCase(with: "-").lowercased() }
        /// `CALLGATE_UPSTREAM_URL`.
        public var environmentVariable: String { "CALLGATE_" + key.replacingDotsAndCamelCase(with: "_").uppercased() }

        /// The whole list, in the order of the README's table.
        public static let all: [Setting] = [
            Setting(key: "host", defaultValue: "127.0.0.1", isSecret: false, help: "Address to listen on."),
            Setting(key: "port", defaultValue: "8080", isSecret: false, help: "Port to listen on (0 picks a free one)."),
            Setting(key: "upstream.url", defaultValue: nil, isSecret: false,
                    help: "LiveVox base URL, e.g. https://api.livevox.com. Unset: the embedded simulator on a loopback port."),
            Setting(key: "upstream.pathPrefix", defaultValue: "", isSecret: false,
                    help: "Version segment after the category, e.g. v6.0 for /session/v6.0/login."),
            Setting(key: "upstream.accessToken", defaultValue: nil, isSecret: true, help: "LiveVox API access token (LV-Access)."),
            Setting(key: "upstream.clientName", defaultValue: nil, isSecret: false, help: "LiveVox client code."),
            Setting(key: "upstream.userName", defaultValue: nil, isSecret: false, help: "LiveVox API user."),
            Setting(key: "upstream.password", defaultValue: nil, isSecret: true, help: "LiveVox API user's password."),
            Setting(key: "upstream.queueStatsStyle", defaultValue: "path", isSecret: false,
                    help: "Queue stats upstream as path (/queue/{id}, documented) or query (/queue?serviceId=)."),
            Setting(key: "upstream.timeZone", defaultValue: "UTC", isSecret: false,
                    help: "IANA zone of LiveVox's offset-less timeOfFailure."),
            Setting(key: "upstream.maxConnections", defaultValue: "32", isSecret: false, help: "Keep-alive connections to LiveVox at most."),
            Setting(key: "upstream.timeoutSeconds", defaultValue: "30", isSecret: false, help: "Total time per upstream operation, retries included."),
            Setting(key: "upstream.caFile", defaultValue: nil, isSecret: false, help: "CA bundle for LiveVox's certificate (default: the system's)."),
            Setting(key: "upstream.clientCertificate", defaultValue: nil, isSecret: false, help: "Client certificate (PEM) for mutual TLS."),
            Setting(key: "upstream.clientKey", defaultValue: nil, isSecret: true, help: "Private key (PEM) of the client certificate."),
            Setting(key: "keysFile", defaultValue: "data/keys.yaml", isSecret: false, help: "API keys file (YAML); reloaded on SIGHUP."),
            Setting(key: "maxBodyBytes", defaultValue: "1048576", isSecret: false, help: "Largest request body (413 above)."),
            Setting(key: "maxBatchSize", defaultValue: "1000", isSecret: false, help: "Most calls per manual-call batch."),
            Setting(key: "allowedRegions", defaultValue: "US,CA,PR,VI,GU,MP,AS", isSecret: false, help: "Regions whose numbers may be dialed."),
            Setting(key: "logLevel", defaultValue: "info", isSecret: false, help: "trace, debug, info, notice, warning, error or critical."),
            Setting(key: "logFormat", defaultValue: "text", isSecret: false, help: "text, or json for one JSON object per line."),
            Setting(key: "store", defaultValue: "sqlite:data/callgate.sqlite", isSecret: false,
                    help: "Audit store URL: sqlite:PATH (WAL; created if absent), or none (no audit trail; for benchmarks only)."),
            Setting(key: "audit.keyFile", defaultValue: "data/audit.key", isSecret: false,
                    help: "File with the audit secret (hash chain, phone fingerprints); created on first run, mode 0600."),
            Setting(key: "audit.secret", defaultValue: nil, isSecret: true,
                    help: "The audit secret itself (at least 16 bytes); overrides the key file. Keep it across restarts."),
            Setting(key: "audit.retentionDays", defaultValue: "0", isSecret: false,
                    help: "Days audit records, and delivered webhook deliveries, are kept (pruned hourly; the trail stays verifiable from a checkpoint); 0 keeps them forever."),
            Setting(key: "rateLimit.perSecond", defaultValue: "0", isSecret: false,
                    help: "Requests per second per principal without a limit of its own (429 above); 0: no default limit."),
            Setting(key: "rateLimit.burst", defaultValue: "0", isSecret: false,
                    help: "Requests a principal may make at once under the default limit; 0: twice the rate."),
            Setting(key: "webhooks.sourcesFile", defaultValue: "data/webhook-sources.yaml", isSecret: false,
                    help: "Webhook sources (YAML, holds secrets; callgate webhooks add-source); reloaded on SIGHUP."),
            Setting(key: "webhooks.toleranceSeconds", defaultValue: "300", isSecret: false,
                    help: "How far a webhook-timestamp may be from now (401 beyond)."),
            Setting(key: "webhooks.retryHours", defaultValue: "24", isSecret: false,
                    help: "How long an accepted webhook is retried before its delivery is dead."),
            Setting(key: "idempotency.ttlHours", defaultValue: "24", isSecret: false,
                    help: "How long an Idempotency-Key and its answer are kept."),
            Setting(key: "jwt.audience", defaultValue: nil, isSecret: false,
                    help: "CallGate's name in JWTs' aud; setting it accepts JWT bearer tokens (with jwt.issuers and keys)."),
            Setting(key: "jwt.issuers", defaultValue: nil, isSecret: false, help: "Accepted JWT iss values, comma-separated."),
            Setting(key: "jwt.hs256Secrets", defaultValue: nil, isSecret: true,
                    help: "HS256 secrets (at least 32 bytes each), comma-separated; several while rotating."),
            Setting(key: "jwt.jwksFile", defaultValue: nil, isSecret: false, help: "JWKS file of RS256 and ES256 public keys, each with its kid."),
            Setting(key: "jwt.leewaySeconds", defaultValue: "30", isSecret: false, help: "Clock skew allowed on exp and nbf."),
            Setting(key: "jwt.roleClaim", defaultValue: "role", isSecret: false, help: "The claim holding the LiveVox role."),
            Setting(key: "jwt.servicesClaim", defaultValue: "services", isSecret: false,
                    help: "The claim holding the allowed service ids (absent: every service)."),
            Setting(key: "jwt.agentLoginIdClaim", defaultValue: "agentLoginId", isSecret: false,
                    help: "The claim holding an Agent's agent login id."),
            Setting(key: "jwt.rateLimitClaim", defaultValue: "rateLimit", isSecret: false,
                    help: "The claim holding a token's own rate limit, {\"requestsPerSecond\": 20, \"burst\": 40} (absent: the default limit)."),
        ]
    }

    /// Reads every setting; `flags` holds the values given on the command line by key.
    public static func read(flags: [String: String], configFile: String?) async throws(SettingsError) -> GatewaySettings {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in flags {
            let isSecret = Setting.all.first { $0.key == key }?.isSecret ?? false
            values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(.string(value), isSecret: isSecret)
        }
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider(secretsSpecifier: .dynamic { name, _ in
                Setting.all.contains { $0.isSecret && $0.environmentVariable == name }
            }).prefixKeys(with: "callgate"),
        ]
        if let configFile {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: .init(configFile)))
            } catch {
                throw SettingsError("Cannot read the config file \(configFile): \(error)")
            }
        }
        return try read(ConfigReader(providers: providers))
    }

    /// Reads every setting from a reader (tests give an in-memory one).
    public static func read(_ reader: ConfigReader) throws(SettingsError) -> GatewaySettings {
        func text(_ key: String) -> String? {
            let setting = Setting.all.first { $0.key == key }!
            let found = reader.string(forKey: ConfigKey(key.split(separator: ".").map(String.init)), isSecret: setting.isSecret)
            return found ?? setting.defaultValue
        }
        func integer(_ key: String, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
            let setting = Setting.all.first { $0.key == key }!
            let raw = text(key) ?? ""
            guard let value = Int(raw), range.contains(value) else {
                throw SettingsError("\(setting.flag) / \(setting.environmentVariable) is '\(raw)': expected a whole number from \(range.lowerBound) to \(range.upperBound).")
            }
            return value
        }
        func number(_ key: String, in range: ClosedRange<Double>) throws(SettingsError) -> Double {
            let setting = Setting.all.first { $0.key == key }!
            let raw = text(key) ?? ""
            guard let value = Double(raw), value.isFinite, range.contains(value) else {
                throw SettingsError("\(setting.flag) / \(setting.environmentVariable) is '\(raw)': expected a number from \(Int(range.lowerBound)) to \(Int(range.upperBound)), such as 20 or 0.5.")
            }
            return value
        }
        let settings = GatewaySettings(
            host: text("host")!,
            port: try integer("port", in: 0...65535),
            upstreamURL: text("upstream.url").flatMap { $0.isEmpty ? nil : $0 },
            upstreamPathPrefix: text("upstream.pathPrefix") ?? "",
            upstreamAccessToken: text("upstream.accessToken") ?? "",
            upstreamClientName: text("upstream.clientName") ?? "",
            upstreamUserName: text("upstream.userName") ?? "",
            upstreamPassword: text("upstream.password") ?? "",
            upstreamQueueStatsStyle: text("upstream.queueStatsStyle")!,
            upstreamTimeZone: text("upstream.timeZone")!,
            upstreamMaxConnections: try integer("upstream.maxConnections", in: 1...1024),
            upstreamTimeoutSeconds: try integer("upstream.timeoutSeconds", in: 1...600),
            upstreamCAFile: text("upstream.caFile"),
            upstreamClientCertificate: text("upstream.clientCertificate"),
            upstreamClientKey: text("upstream.clientKey"),
            keysFile: text("keysFile")!,
            maxBodyBytes: try integer("maxBodyBytes", in: 1024...(64 << 20)),
            maxBatchSize: try integer("maxBatchSize", in: 1...100_000),
            allowedRegions: text("allowedRegions")!,
            logLevel: text("logLevel")!,
            logFormat: text("logFormat")!,
            store: text("store")!,
            auditKeyFile: text("audit.keyFile")!,
            auditSecret: text("audit.secret").flatMap { $0.isEmpty ? nil : $0 },
            auditRetentionDays: try integer("audit.retentionDays", in: 0...36_500),
            rateLimitPerSecond: try number("rateLimit.perSecond", in: 0...1_000_000),
            rateLimitBurst: try integer("rateLimit.burst", in: 0...1_000_000),
            webhookSourcesFile: text("webhooks.sourcesFile")!,
            webhookToleranceSeconds: try integer("webhooks.toleranceSeconds", in: 1...86_400),
            webhookRetryHours: try integer("webhooks.retryHours", in: 1...720),
            idempotencyTTLHours: try integer("idempotency.ttlHours", in: 1...720),
            jwtAudience: text("jwt.audience").flatMap { $0.isEmpty ? nil : $0 },
            jwtIssuers: text("jwt.issuers"),
            jwtHS256Secrets: text("jwt.hs256Secrets"),
            jwtJWKSFile: text("jwt.jwksFile").flatMap { $0.isEmpty ? nil : $0 },
            jwtLeewaySeconds: try integer("jwt.leewaySeconds", in: 0...3600),
            jwtRoleClaim: text("jwt.roleClaim")!,
            jwtServicesClaim: text("jwt.servicesClaim")!,
            jwtAgentLoginIdClaim: text("jwt.agentLoginIdClaim")!,
            jwtRateLimitClaim: text("jwt.rateLimitClaim")!
        )
        try settings.validate()
        return settings
    }

    /// Checks what the types cannot: the upstream's completeness, names and enumerations.
    public func validate() throws(SettingsError) {
        if let jwt {
            guard !jwt.issuers.isEmpty else { throw SettingsError("--jwt-audience needs --jwt-issuers: the iss values to accept.") }
            guard !jwt.hs256Secrets.isEmpty || jwt.jwksFile != nil else {
                throw SettingsError("--jwt-audience needs keys: --jwt-hs256-secrets, --jwt-jwks-file, or both.")
            }
        } else if jwtIssuers != nil || jwtHS256Secrets != nil || jwtJWKSFile != nil {
            throw SettingsError("JWT settings are given without --jwt-audience, CallGate's name in the tokens' aud.")
        }
        if let upstreamURL {
            guard upstreamURL.hasPrefix("https://") || upstreamURL.hasPrefix("http://") else {
                throw SettingsError("--upstream-url is '\(upstreamURL)': it must start with https:// (or http:// for a local test upstream).")
            }
            let missing = [("--upstream-access-token", upstreamAccessToken), ("--upstream-client-name", upstreamClientName),
                           ("--upstream-user-name", upstreamUserName), ("--upstream-password", upstreamPassword)]
                .filter { $0.1.isEmpty }.map(\.0)
            guard missing.isEmpty else {
                throw SettingsError("With --upstream-url, LiveVox needs \(missing.joined(separator: ", ")) (or their CALLGATE_... variables).")
            }
        }
        guard ["path", "query"].contains(upstreamQueueStatsStyle) else {
            throw SettingsError("--upstream-queue-stats-style is '\(upstreamQueueStatsStyle)': use path or query.")
        }
        guard IANATimeZone.named(upstreamTimeZone) != nil else {
            throw SettingsError("--upstream-time-zone is '\(upstreamTimeZone)': not an IANA time zone such as America/New_York.")
        }
        _ = try regions()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw SettingsError("--log-level is '\(logLevel)': use trace, debug, info, notice, warning, error or critical.")
        }
        guard ["text", "json"].contains(logFormat) else {
            throw SettingsError("--log-format is '\(logFormat)': use text or json.")
        }
        if let auditSecret, auditSecret.utf8.count < 16 {
            throw SettingsError("--audit-secret / CALLGATE_AUDIT_SECRET has \(auditSecret.utf8.count) bytes: use at least 16 (e.g. `openssl rand -hex 32`).")
        }
        if (upstreamClientCertificate == nil) != (upstreamClientKey == nil) {
            throw SettingsError("--upstream-client-certificate and --upstream-client-key go together.")
        }
    }

    /// The allowed regions as a set.
    public func regions() throws(SettingsError) -> PhoneRegionSet {
        switch PhoneRegionSet.parse(list: allowedRegions) {
        case .success(let regions):
            return regions
        case .failure(.unknownRegion(let name)):
            throw SettingsError("--allowed-regions names '\(name)', which is not a North American region (US, CA, PR, VI, GU, MP, AS, JM, ...).")
        case .failure(.empty):
            throw SettingsError("--allowed-regions names no region.")
        }
    }
}

/// A setting that cannot be used, with a sentence naming the flag and variable.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sentence.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension String {
    /// `upstream.accessToken` → `upstream-access-token` (with "-").
    func replacingDotsAndCamelCase(with separator: Character) -> String {
        var out = ""
        for character in self {
            if character == "." {
                out.append(separator)
            } else if character.isUppercase {
                out.append(separator)
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }
}
