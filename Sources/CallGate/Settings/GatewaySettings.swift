import CallGateCore
import CallGateStorage
import Configuration
import LiveVoxClient
import Logging

/// Every setting of `callgate serve`, read once at start from (highest first) a flag, an
/// environment variable `CALLGATE_...`, or the YAML config file (`--config`), else its default: the
/// initial value here. Each property has one declaration in ``table``, which gives its flag,
/// variable, key, parsing and README row.
public struct GatewaySettings: Sendable, Hashable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port to listen on.
    public var port = 8080
    /// The server's certificate chain (PEM); set with ``tlsKeyFile``, the port speaks only HTTPS.
    public var tlsCertFile: String?
    /// The private key (PEM) of ``tlsCertFile``.
    public var tlsKeyFile: String?
    /// The CA (PEM) whose client certificates are required: mutual TLS.
    public var tlsClientCAFile: String?
    /// LiveVox's base URL; `nil` runs the embedded simulator.
    public var upstreamURL: String?
    /// Whether an `http://` upstream on a host other than a loopback address is accepted.
    public var upstreamAllowInsecureHTTP = false
    /// A version segment inserted after the category, e.g. `v6.0`.
    public var upstreamPathPrefix = ""
    /// The `LV-Access` token.
    public var upstreamAccessToken = ""
    /// The LiveVox client code.
    public var upstreamClientName = ""
    /// The LiveVox API user.
    public var upstreamUserName = ""
    /// The LiveVox API user's password.
    public var upstreamPassword = ""
    /// How queue stats name the service upstream.
    public var upstreamQueueStatsStyle = LiveVoxClientConfiguration.QueueStatsPathStyle.pathSegment
    /// The zone of LiveVox's offset-less timestamps.
    public var upstreamTimeZone = IANATimeZone.named("UTC")!
    /// Keep-alive connections to LiveVox at most.
    public var upstreamMaxConnections = 32
    /// Total time allowed per upstream operation, in seconds.
    public var upstreamTimeoutSeconds = 30
    /// A CA bundle to verify LiveVox's certificate with (default: the system's).
    public var upstreamCAFile: String?
    /// A client certificate for mutual TLS.
    public var upstreamClientCertificate: String?
    /// The client certificate's private key.
    public var upstreamClientKey: String?
    /// The API keys file.
    public var keysFile = "data/keys.yaml"
    /// The largest request body, in bytes.
    public var maxBodyBytes = 1_048_576
    /// The longest a request's head may take from its first byte, and its body between two reads, in seconds.
    public var httpReadTimeoutSeconds = 10
    /// The longest a kept-alive connection waits for its next request, in seconds.
    public var httpIdleTimeoutSeconds = 60
    /// The most HTTP connections open at once (capped below the process's open-file limit).
    public var httpMaxConnections = 4096
    /// How long, from SIGTERM, `/readyz` fails while requests are still served, in seconds.
    public var shutdownDrainSeconds = 5
    /// How often the keys, webhook sources and TLS files are checked for a change, in seconds; 0: only on SIGHUP.
    public var reloadPollSeconds = 5
    /// The most calls in one batch.
    public var maxBatchSize = 1000
    /// The regions whose numbers may be dialed.
    public var allowedRegions = PhoneRegionSet.defaultAllowed
    /// The calling-window profile of services the profile map does not name.
    public var callingProfile = CallingProfile.telemarketing
    /// Each service's calling-window profile, read from a YAML file.
    public var callingServiceProfiles: [Int64: CallingProfile] = [:]
    /// A calling-window rules file replacing the built-in rules; nil: the built-in ones.
    public var callingRulesFile: String?
    /// Which rules count: all, or only those confirmed from their text.
    public var callingRulesConfidence = ConfidenceFilter.all
    /// How long the window must stay open after a launch whose entry has no dialing timeout, in seconds.
    public var callingWindowMarginSeconds = 600
    /// The least severe level logged.
    public var logLevel = Logger.Level.info
    /// How log lines are written.
    public var logFormat = GatewayLogHandler.Format.text
    /// The audit store, or none.
    public var store = AuditStoreSetting.url("sqlite:data/callgate.sqlite")
    /// When the store's commits wait for the disk.
    public var storeSync = StoreSync.full
    /// The PostgreSQL store's password, when its URL carries none.
    public var storePassword: String?
    /// The CA certificates (PEM) that sign the PostgreSQL server's certificate; nil: the system's.
    public var storeCAFile: String?
    /// The most connections to a PostgreSQL store.
    public var storePoolSize = 10
    /// The file holding the audit secret (chain and phone fingerprints); created on first run.
    public var auditKeyFile = "data/audit.key"
    /// The audit secret itself (hex or text, at least 16 bytes); overrides the key file.
    public var auditSecret: String?
    /// Days audit records are kept; 0 keeps them forever.
    public var auditRetentionDays = 0
    /// The audit witness's file of signed chain heads; nil: `audit.witness` beside the store's file.
    public var auditWitnessFile: String?
    /// The audit witness's Ed25519 key; nil: `audit-witness.key` beside the store's file.
    public var auditWitnessKeyFile: String?
    /// The default rate limit per principal, in requests per second; 0: no default limit.
    public var rateLimitPerSecond = 0.0
    /// The default burst; 0: twice the rate.
    public var rateLimitBurst = 0
    /// The webhook sources file (YAML, with secrets); absent: no webhook is accepted until it exists.
    public var webhookSourcesFile = "data/webhook-sources.yaml"
    /// How far a webhook's timestamp may be from now, in seconds.
    public var webhookToleranceSeconds = 300
    /// The largest webhook body, in bytes, read before its signature is checked.
    public var webhookMaxBodyBytes = 262_144
    /// How long an accepted webhook is retried, in hours.
    public var webhookRetryHours = 24
    /// Failed authentications a client address may have in a minute before it gets 429; 0: no limit.
    public var authFailureLimitPerMinute = 30
    /// The proxies whose forwarded client addresses are believed.
    public var trustedProxies: [IPAddressRange] = []
    /// How long an Idempotency-Key is kept, in hours.
    public var idempotencyTTLHours = 24
    /// CallGate's name in JWTs' `aud`; set, it turns JWT bearer tokens on.
    public var jwtAudience: String?
    /// Accepted JWT issuers.
    public var jwtIssuers: [String] = []
    /// HS256 secrets.
    public var jwtHS256Secrets: [String] = []
    /// A JWKS file of RS256 and ES256 public keys.
    public var jwtJWKSFile: String?
    /// Clock skew allowed on `exp` and `nbf`.
    public var jwtLeewaySeconds = 30
    /// The claim naming the role.
    public var jwtRoleClaim = "role"
    /// The claim naming the allowed services.
    public var jwtServicesClaim = "services"
    /// The claim naming an Agent's login id.
    public var jwtAgentLoginIdClaim = "agentLoginId"
    /// The claim holding a token's own rate limit.
    public var jwtRateLimitClaim = "rateLimit"

    /// Every default.
    public init() {}

    /// The declarations, in the order of the README's table.
    public static let table = SettingsTable<GatewaySettings>(defaults: GatewaySettings(), settings: [
        .value("host", \.host, .text, help: "Address to listen on."),
        .value("port", \.port, .integer(in: 0...65535), help: "Port to listen on (0 picks a free one)."),
        .optional("tls.certFile", \.tlsCertFile, .path,
                  help: "Server certificate chain (PEM); with tls.keyFile the port speaks HTTPS only (TLS 1.2 and 1.3)."),
        .optional("tls.keyFile", \.tlsKeyFile, .path, secret: true, help: "Private key (PEM) of the server certificate."),
        .optional("tls.clientCaFile", \.tlsClientCAFile, .path,
                  help: "CA certificates (PEM) for mutual TLS: a client certificate one of them signed is required."),
        .optional("upstream.url", \.upstreamURL, .httpURL,
                  help: "LiveVox base URL, e.g. https://api.livevox.com. Unset: the embedded simulator on a loopback port."),
        .value("upstream.allowInsecureHttp", \.upstreamAllowInsecureHTTP, SettingValue<Bool>.boolean,
               help: "Accept an http:// upstream.url on a host other than a loopback address (a simulator on another host in a test setup): LiveVox's credentials and every phone number then cross the network in clear."),
        .value("upstream.pathPrefix", \.upstreamPathPrefix, .text,
               help: "Version segment after the category, e.g. v6.0 for /session/v6.0/login."),
        .secret("upstream.accessToken", \.upstreamAccessToken, .text, help: "LiveVox API access token (LV-Access)."),
        .value("upstream.clientName", \.upstreamClientName, .text, help: "LiveVox client code."),
        .value("upstream.userName", \.upstreamUserName, .text, help: "LiveVox API user."),
        .secret("upstream.password", \.upstreamPassword, .text, help: "LiveVox API user's password."),
        .value("upstream.queueStatsStyle", \.upstreamQueueStatsStyle, .choice,
               help: "Queue stats upstream as path (/queue/{id}, documented) or query (/queue?serviceId=)."),
        .value("upstream.timeZone", \.upstreamTimeZone, .timeZone, help: "IANA zone of LiveVox's offset-less timeOfFailure."),
        .value("upstream.maxConnections", \.upstreamMaxConnections, .integer(in: 1...1024), help: "Keep-alive connections to LiveVox at most."),
        .value("upstream.timeoutSeconds", \.upstreamTimeoutSeconds, .integer(in: 1...600),
               help: "Total time per upstream operation, retries included."),
        .optional("upstream.caFile", \.upstreamCAFile, .path, help: "CA bundle for LiveVox's certificate (default: the system's)."),
        .optional("upstream.clientCertificate", \.upstreamClientCertificate, .path, help: "Client certificate (PEM) for mutual TLS."),
        .optional("upstream.clientKey", \.upstreamClientKey, .path, secret: true, help: "Private key (PEM) of the client certificate."),
        .value("keysFile", \.keysFile, .path, help: "API keys file (YAML); reloaded when it changes (reload.pollSeconds) and on SIGHUP."),
        .value("maxBodyBytes", \.maxBodyBytes, .integer(in: 1024...(64 << 20)), help: "Largest request body (413 above)."),
        .value("http.readTimeoutSeconds", \.httpReadTimeoutSeconds, .integer(in: 1...3600),
               help: "Time for a request's head from its first byte, and for its body between two reads (408 and close beyond)."),
        .value("http.idleTimeoutSeconds", \.httpIdleTimeoutSeconds, .integer(in: 1...86_400),
               help: "Time a kept-alive connection may wait for its next request before it is closed."),
        .value("http.maxConnections", \.httpMaxConnections, .integer(in: 1...1_000_000),
               help: "Connections open at once (capped below the open-file limit, raised to its hard limit); past it, closed at once."),
        .value("shutdown.drainSeconds", \.shutdownDrainSeconds, .integer(in: 0...300),
               help: "On SIGTERM, how long /readyz answers 503 draining while requests are still served (their answers close their connections), so that load balancers stop sending; then the port closes and what is in flight finishes. A second SIGTERM or SIGINT ends the wait."),
        .value("reload.pollSeconds", \.reloadPollSeconds, .integer(in: 0...3600), aliases: ["--tls-reload-interval-seconds"],
               help: "How often the keys, webhook sources and TLS files are checked for a change (which file a path leads to, through symbolic links, and a hash of its content); 0: only on SIGHUP, which reloads them all at any setting."),
        .value("maxBatchSize", \.maxBatchSize, .integer(in: 1...100_000), help: "Most calls per manual-call batch."),
        .value("allowedRegions", \.allowedRegions, .regions, help: "Regions whose numbers may be dialed."),
        .value("callingProfile", \.callingProfile, .choice,
               help: "The calling-window profile of every service --calling-service-profiles-file does not name: baseline (08:00-21:00 at every possible location of the number), telemarketing (baseline and the state and CRTC rules for solicitation calls), collections (today the same as baseline) or off (no check: only for calls no calling-hour rule covers). A launch or callback outside the window is refused with 422 outside_calling_window."),
        .value("callingServiceProfilesFile", \.callingServiceProfiles, .serviceMap(of: .choice),
               help: "A YAML file of service id: profile (e.g. `21429: collections`), for services whose calls another profile covers."),
        .optional("callingRulesFile", \.callingRulesFile, .path,
                  help: "A calling-window rules file replacing the built-in rules/calling-windows.yaml (check it first with callgate rules check FILE); a file with problems stops the start, each problem with its line."),
        .value("callingRulesConfidence", \.callingRulesConfidence, .choice,
               help: "Which rules count: all, or confirmed (drops the rules the data marks secondary)."),
        .value("callingWindowMarginSeconds", \.callingWindowMarginSeconds, .integer(in: 0...86_400),
               help: "How long the window must stay open after a launch whose entry has no dialing timeout (LiveVox may dial until it runs out)."),
        .value("logLevel", \.logLevel, .choice, help: "The least severe level logged."),
        .value("logFormat", \.logFormat, .choice, help: "text, or json for one JSON object per line."),
        .value("store", \.store, .auditStore,
               help: "Audit store URL: sqlite:PATH (WAL; created if absent), postgres://USER@HOST:PORT/DB?sslmode=MODE (shared by several instances; schema migrated at start; MODE disable, require (default), verify-ca or verify-full), or none (no audit trail; for benchmarks only)."),
        .value("storeSync", \.storeSync, .choice,
               help: "full: each commit is on the disk (fsync) before its answer, through a power loss or an OS crash; normal: fewer fsyncs, but such a crash can lose the commits since the last checkpoint (see Durability)."),
        .secret("storePassword", \.storePassword, SettingValue<String>.text.optional,
                help: "The PostgreSQL store's password, when the store URL carries none (better from its file)."),
        .optional("storeCaFile", \.storeCAFile, .path,
                  help: "CA certificates (PEM) that sign the PostgreSQL server's certificate, for sslmode verify-ca and verify-full. Unset: the system's."),
        .value("storePoolSize", \.storePoolSize, .integer(in: 1...1000),
               help: "The most connections a PostgreSQL store keeps open."),
        .value("audit.keyFile", \.auditKeyFile, .path,
               help: "File with the audit secret (hash chain, phone fingerprints); created on first run, mode 0600."),
        .secret("audit.secret", \.auditSecret, SettingValue<String>.secret(minimumBytes: 16).optional,
                help: "The audit secret itself; overrides the key file. Keep it across restarts."),
        .value("audit.retentionDays", \.auditRetentionDays, .integer(in: 0...36_500),
               help: "Days audit records, and delivered webhook deliveries, are kept (pruned hourly; the trail stays verifiable from a checkpoint); 0 keeps them forever."),
        .optional("audit.witnessFile", \.auditWitnessFile, .path,
                  help: "File the audit witness appends the signed chain head to (once a second when it moved, and at shutdown), rotated at 16 MiB to FILE.1. Unset: audit.witness beside the store's file (data/audit.witness)."),
        .optional("audit.witnessKeyFile", \.auditWitnessKeyFile, .path,
                  help: "The audit witness's Ed25519 private key (hex); created on first run, mode 0600; `callgate audit witness-key` prints its public key. Unset: audit-witness.key beside the store's file (data/audit-witness.key)."),
        .value("rateLimit.perSecond", \.rateLimitPerSecond, .number(in: 0...1_000_000),
               help: "Requests per second per principal without a limit of its own (429 above); 0: no default limit."),
        .value("rateLimit.burst", \.rateLimitBurst, .integer(in: 0...1_000_000),
               help: "Requests a principal may make at once under the default limit; 0: twice the rate."),
        .value("webhooks.sourcesFile", \.webhookSourcesFile, .path, aliases: ["--webhook-sources-file"],
               help: "Webhook sources (YAML, holds secrets; callgate webhooks add-source); reloaded when it changes (reload.pollSeconds) and on SIGHUP."),
        .value("webhooks.toleranceSeconds", \.webhookToleranceSeconds, .integer(in: 1...86_400),
               help: "How far a webhook-timestamp may be from now (401 beyond)."),
        .value("webhooks.maxBodyBytes", \.webhookMaxBodyBytes, .integer(in: 1024...(64 << 20)), aliases: ["--webhook-max-body-bytes"],
               help: "Largest webhook body, read before its signature is checked (413 above)."),
        .value("webhooks.retryHours", \.webhookRetryHours, .integer(in: 1...720),
               help: "How long an accepted webhook is retried before its delivery is dead."),
        .value("authFailureLimitPerMinute", \.authFailureLimitPerMinute, .integer(in: 0...1_000_000),
               help: "Failed authentications (401, a bad webhook signature, a path or method no route takes) per client address (IPv6: per /64) and minute before 429 too_many_failed_authentications; 0: no limit."),
        .value("trustedProxies", \.trustedProxies, .addressRanges,
               help: "Proxies (CIDRs) whose X-Forwarded-For or Forwarded is believed for the client address; empty: the socket's address."),
        .value("idempotency.ttlHours", \.idempotencyTTLHours, .integer(in: 1...720),
               help: "How long an Idempotency-Key and its answer are kept."),
        .optional("jwt.audience", \.jwtAudience, .text,
                  help: "CallGate's name in JWTs' aud; setting it accepts JWT bearer tokens (with jwt.issuers and keys)."),
        .value("jwt.issuers", \.jwtIssuers, .list, help: "Accepted JWT iss values."),
        .secret("jwt.hs256Secrets", \.jwtHS256Secrets, .list, help: "HS256 secrets (at least 32 bytes each); several while rotating."),
        .optional("jwt.jwksFile", \.jwtJWKSFile, .path, help: "JWKS file of RS256 and ES256 public keys, each with its kid."),
        .value("jwt.leewaySeconds", \.jwtLeewaySeconds, .integer(in: 0...3600), help: "Clock skew allowed on exp and nbf."),
        .value("jwt.roleClaim", \.jwtRoleClaim, .text, help: "The claim holding the LiveVox role."),
        .value("jwt.servicesClaim", \.jwtServicesClaim, .text, help: "The claim holding the allowed service ids (absent: every service)."),
        .value("jwt.agentLoginIdClaim", \.jwtAgentLoginIdClaim, .text, help: "The claim holding an Agent's agent login id."),
        .value("jwt.rateLimitClaim", \.jwtRateLimitClaim, .text,
               help: "The claim holding a token's own rate limit, `{\"requestsPerSecond\": 20, \"burst\": 40}` (absent: the default limit)."),
    ])

    /// The JWT settings, when JWT bearer tokens are on.
    public var jwt: JWTSettings? {
        guard let jwtAudience else { return nil }
        return JWTSettings(hs256Secrets: jwtHS256Secrets, jwksFile: jwtJWKSFile, issuers: jwtIssuers,
                           audience: jwtAudience, leewaySeconds: jwtLeewaySeconds, roleClaim: jwtRoleClaim,
                           servicesClaim: jwtServicesClaim, agentLoginIdClaim: jwtAgentLoginIdClaim,
                           rateLimitClaim: jwtRateLimitClaim)
    }

    /// The TLS files, when the port speaks HTTPS.
    public var tls: TLSFiles? {
        guard let tlsCertFile, let tlsKeyFile else { return nil }
        return TLSFiles(certificateFile: tlsCertFile, keyFile: tlsKeyFile, clientCAFile: tlsClientCAFile)
    }

    /// The default rate limit, when there is one.
    public var defaultRateLimit: RateLimit? {
        rateLimitPerSecond > 0 ? RateLimit(requestsPerSecond: rateLimitPerSecond, burst: rateLimitBurst > 0 ? rateLimitBurst : nil) : nil
    }

    /// Reads and checks every setting; `flags` holds the values given on the command line by key.
    public static func read(flags: [String: String], configFile: String?) async throws(SettingsError) -> GatewaySettings {
        let settings = try await table.read(flags: flags, configFile: configFile)
        try settings.validate()
        return settings
    }

    /// Reads and checks every setting from a reader (tests give an in-memory one).
    public static func read(_ reader: ConfigReader) throws(SettingsError) -> GatewaySettings {
        let settings = try table.read(reader)
        try settings.validate()
        return settings
    }

    /// Checks what one setting alone cannot: the settings that go together.
    public func validate() throws(SettingsError) {
        if let jwt {
            guard !jwt.issuers.isEmpty else { throw SettingsError("--jwt-audience needs --jwt-issuers: the iss values to accept.") }
            guard !jwt.hs256Secrets.isEmpty || jwt.jwksFile != nil else {
                throw SettingsError("--jwt-audience needs keys: --jwt-hs256-secrets, --jwt-jwks-file, or both.")
            }
        } else if !jwtIssuers.isEmpty || !jwtHS256Secrets.isEmpty || jwtJWKSFile != nil {
            throw SettingsError("JWT settings are given without --jwt-audience, CallGate's name in the tokens' aud.")
        }
        if upstreamURL != nil {
            let missing = [("--upstream-access-token", upstreamAccessToken), ("--upstream-client-name", upstreamClientName),
                           ("--upstream-user-name", upstreamUserName), ("--upstream-password", upstreamPassword)]
                .filter { $0.1.isEmpty }.map(\.0)
            guard missing.isEmpty else {
                throw SettingsError("With --upstream-url, LiveVox needs \(missing.joined(separator: ", ")) (or their CALLGATE_... variables).")
            }
        }
        if let upstreamURL, !upstreamAllowInsecureHTTP, let host = Self.insecureHost(upstreamURL) {
            throw SettingsError("""
                --upstream-url \(upstreamURL) is http:// on \(host), not a loopback address: LiveVox's credentials and \
                every phone number would cross the network in clear. Use https://, or give --upstream-allow-insecure-http true \
                for a test upstream.
                """)
        }
        if auditRetentionDays > 0, auditRetentionDays * 86_400 < 2 * webhookToleranceSeconds {
            throw SettingsError("""
                --audit-retention-days \(auditRetentionDays) keeps delivered webhooks for less than twice \
                --webhooks-tolerance-seconds \(webhookToleranceSeconds): a webhook replayed within its tolerance could be \
                delivered again once its record is pruned. Raise the retention or lower the tolerance.
                """)
        }
        if (tlsCertFile == nil) != (tlsKeyFile == nil) {
            throw SettingsError("--tls-cert-file and --tls-key-file go together: give both for HTTPS, or neither.")
        }
        if tlsClientCAFile != nil, tlsCertFile == nil {
            throw SettingsError("--tls-client-ca-file needs HTTPS: give --tls-cert-file and --tls-key-file too.")
        }
        if (upstreamClientCertificate == nil) != (upstreamClientKey == nil) {
            throw SettingsError("--upstream-client-certificate and --upstream-client-key go together.")
        }
    }

    /// The host of `url` when it is `http://` and the host is not a loopback address (127.0.0.0/8,
    /// ::1, localhost); nil otherwise.
    static func insecureHost(_ url: String) -> String? {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        let host = hostAndPort.hasPrefix("[")
            ? String(hostAndPort.dropFirst().prefix { $0 != "]" })
            : String(hostAndPort.prefix { $0 != ":" })
        let isLoopback = host.lowercased() == "localhost" || IPAddress(host)?.isLoopback == true
        return isLoopback ? nil : host
    }
}

extension GatewaySettings {
    /// The store settings beyond its URL, as `Storage.open` takes them.
    public var storeOptions: StoreOptions {
        StoreOptions(sync: storeSync, password: storePassword, caFile: storeCAFile, poolSize: storePoolSize)
    }
}
