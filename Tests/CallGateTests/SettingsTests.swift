import CallGateCore
import Configuration
import Foundation
import Testing

@testable import CallGate

@Suite("Settings")
struct SettingsTests {
    func read(_ values: [String: String]) throws -> GatewaySettings {
        var config: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in values {
            config[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(.string(value), isSecret: false)
        }
        return try GatewaySettings.read(ConfigReader(provider: InMemoryProvider(values: config)))
    }

    @Test("Defaults need no setting: the embedded simulator, port 8080, data/keys.yaml")
    func defaults() throws {
        let settings = try read([:])
        #expect(settings.upstreamURL == nil)
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8080)
        #expect(settings.keysFile == "data/keys.yaml")
        #expect(settings.maxBodyBytes == 1_048_576)
        #expect(settings.maxBatchSize == 1000)
        #expect(settings.defaultRateLimit == nil)
        #expect(try read(["rateLimit.perSecond": "2.5"]).defaultRateLimit == RateLimit(requestsPerSecond: 2.5, burst: 5))
        #expect(try read(["rateLimit.perSecond": "10", "rateLimit.burst": "3"]).defaultRateLimit == RateLimit(requestsPerSecond: 10, burst: 3))
    }

    @Test("Flags and environment variables follow one naming rule", arguments: [
        ("upstream.url", "--upstream-url", "CALLGATE_UPSTREAM_URL"),
        ("upstream.accessToken", "--upstream-access-token", "CALLGATE_UPSTREAM_ACCESS_TOKEN"),
        ("keysFile", "--keys-file", "CALLGATE_KEYS_FILE"),
        ("upstream.caFile", "--upstream-ca-file", "CALLGATE_UPSTREAM_CA_FILE"),
        ("jwt.hs256Secrets", "--jwt-hs256-secrets", "CALLGATE_JWT_HS256_SECRETS"),
    ])
    func naming(key: String, flag: String, environment: String) throws {
        let setting = try #require(GatewaySettings.table.settings.first { $0.key == key })
        #expect(setting.flag == flag)
        #expect(setting.environmentVariable == environment)
    }

    @Test("Environment variables with the CALLGATE_ prefix are read, flags win over them")
    func precedence() async throws {
        setenv("CALLGATE_MAX_BATCH_SIZE", "250", 1)
        setenv("CALLGATE_PORT", "9001", 1)
        defer { unsetenv("CALLGATE_MAX_BATCH_SIZE"); unsetenv("CALLGATE_PORT") }
        let settings = try await GatewaySettings.read(flags: ["port": "9002"], configFile: nil)
        #expect(settings.maxBatchSize == 250)
        #expect(settings.port == 9002)
    }

    @Test("A YAML config file is read below flags and environment")
    func configFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "upstream:\n  timeZone: America/Chicago\nmaxBodyBytes: 4096\n".write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try await GatewaySettings.read(flags: [:], configFile: path)
        #expect(settings.upstreamTimeZone == IANATimeZone.named("America/Chicago"))
        #expect(settings.maxBodyBytes == 4096)
    }

    @Test("Unusable settings are refused with a sentence naming the flag and variable", arguments: [
        (["port": "eighty"], "--port / CALLGATE_PORT is 'eighty': expected a whole number from 0 to 65535."),
        (["upstream.url": "ftp://x"], "--upstream-url / CALLGATE_UPSTREAM_URL is 'ftp://x': it must start with https:// (or http:// for a local test upstream)."),
        (["upstream.url": "https://api.livevox.com"], "With --upstream-url, LiveVox needs --upstream-access-token, --upstream-client-name, --upstream-user-name, --upstream-password (or their CALLGATE_... variables)."),
        (["upstream.timeZone": "Mars/Base"], "--upstream-time-zone / CALLGATE_UPSTREAM_TIME_ZONE is 'Mars/Base': not an IANA time zone such as America/New_York."),
        (["allowedRegions": "US,XX"], "--allowed-regions / CALLGATE_ALLOWED_REGIONS names 'XX', which is not a North American region (US, CA, PR, VI, GU, MP, AS, JM, ...)."),
        (["allowedRegions": ","], "--allowed-regions / CALLGATE_ALLOWED_REGIONS names no region."),
        (["logLevel": "loud"], "--log-level / CALLGATE_LOG_LEVEL is 'loud': use trace, debug, info, notice, warning, error or critical."),
        (["logFormat": "xml"], "--log-format / CALLGATE_LOG_FORMAT is 'xml': use text or json."),
        (["store": "mysql://db"], "--store / CALLGATE_STORE is not a usable store: The audit store URL scheme 'mysql:' is not supported; use sqlite:./relative/path.sqlite, sqlite:/absolute/path.sqlite or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require."),
        (["storeSync": "off"], "--store-sync / CALLGATE_STORE_SYNC is 'off': use full or normal."),
        (["audit.secret": "short"], "--audit-secret / CALLGATE_AUDIT_SECRET has 5 bytes: use at least 16 (e.g. `openssl rand -hex 32`)."),
        (["jwt.issuers": "https://issuer"], "JWT settings are given without --jwt-audience, CallGate's name in the tokens' aud."),
        (["rateLimit.perSecond": "fast"], "--rate-limit-per-second / CALLGATE_RATE_LIMIT_PER_SECOND is 'fast': expected a number from 0 to 1000000, such as 20 or 0.5."),
        (["rateLimit.perSecond": "-1"], "--rate-limit-per-second / CALLGATE_RATE_LIMIT_PER_SECOND is '-1': expected a number from 0 to 1000000, such as 20 or 0.5."),
        (["upstream.queueStatsStyle": "both"], "--upstream-queue-stats-style / CALLGATE_UPSTREAM_QUEUE_STATS_STYLE is 'both': use path or query."),
        (["upstream.clientKey": "/k.pem"], "--upstream-client-certificate and --upstream-client-key go together."),
    ])
    func refused(values: [String: String], message: String) {
        #expect(throws: SettingsError(message)) { try read(values) }
    }
}
