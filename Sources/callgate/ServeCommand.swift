import ArgumentParser
import CallGate
import Foundation
import Logging


/// `callgate serve`: the gateway. Every option is also an environment variable and a config-file key
/// (see the README's settings table, made from ``GatewaySettings/Setting/all``).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (with no --upstream-url: on the embedded LiveVox simulator).",
        discussion: "Each option can also be set as CALLGATE_<NAME> (e.g. CALLGATE_UPSTREAM_URL) or in the --config YAML file."
    )

    @Option(help: "A YAML config file (keys as in the README, e.g. upstream: {url: ...}).") var config: String?
    @Option(help: help("host")) var host: String?
    @Option(help: help("port")) var port: String?
    @Option(help: help("upstream.url")) var upstreamUrl: String?
    @Option(help: help("upstream.pathPrefix")) var upstreamPathPrefix: String?
    @Option(help: help("upstream.accessToken")) var upstreamAccessToken: String?
    @Option(help: help("upstream.clientName")) var upstreamClientName: String?
    @Option(help: help("upstream.userName")) var upstreamUserName: String?
    @Option(help: help("upstream.password")) var upstreamPassword: String?
    @Option(help: help("upstream.queueStatsStyle")) var upstreamQueueStatsStyle: String?
    @Option(help: help("upstream.timeZone")) var upstreamTimeZone: String?
    @Option(help: help("upstream.maxConnections")) var upstreamMaxConnections: String?
    @Option(help: help("upstream.timeoutSeconds")) var upstreamTimeoutSeconds: String?
    @Option(help: help("upstream.caFile")) var upstreamCaFile: String?
    @Option(help: help("upstream.clientCertificate")) var upstreamClientCertificate: String?
    @Option(help: help("upstream.clientKey")) var upstreamClientKey: String?
    @Option(help: help("keysFile")) var keysFile: String?
    @Option(help: help("maxBodyBytes")) var maxBodyBytes: String?
    @Option(help: help("maxBatchSize")) var maxBatchSize: String?
    @Option(help: help("allowedRegions")) var allowedRegions: String?
    @Option(help: help("logLevel")) var logLevel: String?
    @Option(help: help("logFormat")) var logFormat: String?
    @Option(help: help("store")) var store: String?
    @Option(help: help("audit.keyFile")) var auditKeyFile: String?
    @Option(help: help("audit.secret")) var auditSecret: String?
    @Option(help: help("audit.retentionDays")) var auditRetentionDays: String?
    @Option(help: help("rateLimit.perSecond")) var rateLimitPerSecond: String?
    @Option(help: help("rateLimit.burst")) var rateLimitBurst: String?
    // Also spelt `--webhook-sources-file`, as the webhooks issue and older notes write it.
    @Option(name: [.long, .customLong("webhook-sources-file")], help: help("webhooks.sourcesFile")) var webhooksSourcesFile: String?
    @Option(help: help("webhooks.toleranceSeconds")) var webhooksToleranceSeconds: String?
    @Option(help: help("webhooks.retryHours")) var webhooksRetryHours: String?
    @Option(help: help("idempotency.ttlHours")) var idempotencyTtlHours: String?
    @Option(help: help("jwt.audience")) var jwtAudience: String?
    @Option(help: help("jwt.issuers")) var jwtIssuers: String?
    @Option(help: help("jwt.hs256Secrets")) var jwtHs256Secrets: String?
    @Option(help: help("jwt.jwksFile")) var jwtJwksFile: String?
    @Option(help: help("jwt.leewaySeconds")) var jwtLeewaySeconds: String?
    @Option(help: help("jwt.roleClaim")) var jwtRoleClaim: String?
    @Option(help: help("jwt.servicesClaim")) var jwtServicesClaim: String?
    @Option(help: help("jwt.agentLoginIdClaim")) var jwtAgentLoginIdClaim: String?

    static func help(_ key: String) -> ArgumentHelp {
        let setting = GatewaySettings.Setting.all.first { $0.key == key }!
        let fallback = setting.defaultValue.map { $0.isEmpty ? "" : " Default: \($0)." } ?? ""
        return ArgumentHelp("\(setting.help)\(fallback) [\(setting.environmentVariable)]")
    }

    /// The flags given, by configuration key.
    var flags: [String: String] {
        let given: [(String, String?)] = [
            ("host", host), ("port", port), ("upstream.url", upstreamUrl), ("upstream.pathPrefix", upstreamPathPrefix),
            ("upstream.accessToken", upstreamAccessToken), ("upstream.clientName", upstreamClientName),
            ("upstream.userName", upstreamUserName), ("upstream.password", upstreamPassword),
            ("upstream.queueStatsStyle", upstreamQueueStatsStyle), ("upstream.timeZone", upstreamTimeZone),
            ("upstream.maxConnections", upstreamMaxConnections), ("upstream.timeoutSeconds", upstreamTimeoutSeconds),
            ("upstream.caFile", upstreamCaFile), ("upstream.clientCertificate", upstreamClientCertificate),
            ("upstream.clientKey", upstreamClientKey), ("keysFile", keysFile), ("maxBodyBytes", maxBodyBytes),
            ("maxBatchSize", maxBatchSize), ("allowedRegions", allowedRegions), ("logLevel", logLevel),
            ("logFormat", logFormat), ("store", store), ("audit.keyFile", auditKeyFile), ("audit.secret", auditSecret),
            ("audit.retentionDays", auditRetentionDays), ("rateLimit.perSecond", rateLimitPerSecond),
            ("rateLimit.burst", rateLimitBurst), ("webhooks.sourcesFile", webhooksSourcesFile),
            ("webhooks.toleranceSeconds", webhooksToleranceSeconds), ("webhooks.retryHours", webhooksRetryHours),
            ("idempotency.ttlHours", idempotencyTtlHours), ("jwt.audience", jwtAudience), ("jwt.issuers", jwtIssuers),
            ("jwt.hs256Secrets", jwtHs256Secrets), ("jwt.jwksFile", jwtJwksFile), ("jwt.leewaySeconds", jwtLeewaySeconds),
            ("jwt.roleClaim", jwtRoleClaim), ("jwt.servicesClaim", jwtServicesClaim),
            ("jwt.agentLoginIdClaim", jwtAgentLoginIdClaim),
        ]
        return Dictionary(uniqueKeysWithValues: given.compactMap { key, value in value.map { (key, $0) } })
    }

    func run() async throws {
        let settings: GatewaySettings
        do {
            settings = try await GatewaySettings.read(flags: flags, configFile: config)
        } catch {
            FileHandleStream.standardError.write("callgate serve: \(error)\n")
            throw ExitCode(2)
        }
        let format = GatewayLogHandler.Format(rawValue: settings.logFormat) ?? .text
        LoggingSystem.bootstrap({ label, provider in GatewayLogHandler(label: label, format: format, metadataProvider: provider) },
                                metadataProvider: .request)
        var logger = Logger(label: "callgate")
        logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        let openAPI = OpenAPIDocument.bytes
        do {
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: openAPI)
        } catch let error as SettingsError {
            FileHandleStream.standardError.write("callgate serve: \(error)\n")
            throw ExitCode(2)
        }
    }
}
