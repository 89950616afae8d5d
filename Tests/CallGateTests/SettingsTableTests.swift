import CallGateCore
import Configuration
import Foundation
import LiveVoxClient
import Logging
import Testing

@testable import CallGate

@Suite("Settings declared once")
struct SettingsTableTests {
    let table = GatewaySettings.table

    func read(_ values: [String: String]) throws -> GatewaySettings {
        try table.read(ConfigReader(provider: InMemoryProvider(values: Dictionary(uniqueKeysWithValues: values.map { key, value in
            (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(.string(value), isSecret: false))
        }))))
    }

    /// A file in a fresh temporary directory, removed by `cleanUp`.
    static func temporaryFile(_ content: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-setting-\(UUID().uuidString)").path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("Every property of GatewaySettings has exactly one declaration, with its flag, variable, key, parser and meaning")
    func everySettingIsDeclared() throws {
        let properties = Mirror(reflecting: GatewaySettings()).children.count
        #expect(table.settings.count == properties)
        #expect(Set(table.settings.map { $0.property as AnyKeyPath }).count == properties, "two declarations fill one property")
        let keys = table.settings.map(\.key) + table.settings.compactMap(\.fileKey)
        #expect(Set(keys).count == keys.count)
        #expect(Set(table.flagKeys.values) == Set(keys), "every key has a flag")
        for setting in table.settings {
            #expect(setting.flag.hasPrefix("--") && setting.flag == setting.flag.lowercased(), "\(setting.key)")
            #expect(setting.environmentVariable.hasPrefix("CALLGATE_"), "\(setting.key)")
            #expect(!setting.accepts.isEmpty && setting.help.hasSuffix("."), "\(setting.key)")
            #expect(table.flagKeys[setting.flag] == setting.key)
        }
    }

    @Test("Each default, as the README shows it, is accepted by its setting's parser and read back unchanged")
    func defaultsRoundTrip() throws {
        var withDefaults = 0
        for setting in table.settings {
            guard let text = setting.defaultText(table.defaults), !text.isEmpty else { continue }
            withDefaults += 1
            let read = try table.read(ConfigReader(provider: InMemoryProvider(values: [
                AbsoluteConfigKey(setting.key.split(separator: ".").map(String.init)): ConfigValue(.string(text), isSecret: false),
            ])))
            #expect(setting.defaultText(read) == text, "\(setting.key)")
        }
        #expect(withDefaults == 39)
        let unset = table.settings.filter { setting in setting.defaultText(table.defaults).map(\.isEmpty) ?? true }.map(\.key)
        #expect(unset == ["tls.certFile", "tls.keyFile", "tls.clientCaFile", "upstream.url", "upstream.pathPrefix", "upstream.accessToken", "upstream.clientName", "upstream.userName",
                          "upstream.password", "upstream.caFile", "upstream.clientCertificate", "upstream.clientKey",
                          "callingServiceProfilesFile", "callingRulesFile", "storePassword",
                          "storeCaFile", "audit.secret",
                          "audit.witnessFile", "audit.witnessKeyFile", "trustedProxies", "jwt.audience", "jwt.issuers", "jwt.hs256Secrets",
                          "jwt.jwksFile"])
    }

    @Test("The README's settings table is exactly the one the declarations generate (callgate serve --settings-markdown)")
    func readmeTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| flag | environment |") })
        let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.endIndex
        #expect(lines[start..<end].joined(separator: "\n") + "\n" == table.markdown)
    }

    @Test("Chosen values are parsed once into their types")
    func typedValues() throws {
        let settings = try read(["upstream.queueStatsStyle": "query", "logFormat": "json", "logLevel": "debug", "store": "none",
                                 "allowedRegions": "CA, pr", "upstream.timeZone": "America/Chicago", "jwt.issuers": " a, b ,,"])
        #expect(settings.upstreamQueueStatsStyle == .queryParameter)
        #expect(settings.logFormat == .json)
        #expect(settings.logLevel == .debug)
        #expect(settings.store == .disabled)
        #expect(settings.allowedRegions == PhoneRegionSet([.CA, .PR]))
        #expect(settings.upstreamTimeZone.identifier == "America/Chicago")
        #expect(settings.jwtIssuers == ["a", "b"])
        #expect(try read([:]).store == .url("sqlite:data/callgate.sqlite"))
        #expect(try read(["upstream.url": "", "audit.secret": "", "upstream.caFile": ""]) == GatewaySettings())
    }

    @Test("A secret can be read from its --…-file, its trailing newlines dropped")
    func secretFiles() throws {
        let audit = try Self.temporaryFile("0123456789abcdef-audit\n")
        let password = try Self.temporaryFile("pa ss\r\n\n")
        let jwt = try Self.temporaryFile("first-secret-of-at-least-32-bytes!!\nsecond-secret-of-at-least-32-bytes!\n")
        defer { for path in [audit, password, jwt] { try? FileManager.default.removeItem(atPath: path) } }
        let settings = try read(["audit.secretFile": audit, "upstream.passwordFile": password, "jwt.hs256SecretsFile": jwt])
        #expect(settings.auditSecret == "0123456789abcdef-audit")
        #expect(settings.upstreamPassword == "pa ss")
        #expect(settings.jwtHS256Secrets == ["first-secret-of-at-least-32-bytes!!", "second-secret-of-at-least-32-bytes!"])
        #expect(table.flagKeys["--upstream-access-token-file"] == "upstream.accessTokenFile")
    }

    @Test("A secret and its file together, an unreadable file, or a refused secret from a file stop with a sentence that never shows the secret")
    func secretFileRefusals() throws {
        let short = try Self.temporaryFile("tiny-secret\n")
        defer { try? FileManager.default.removeItem(atPath: short) }
        #expect(throws: SettingsError("--audit-secret / CALLGATE_AUDIT_SECRET and --audit-secret-file / CALLGATE_AUDIT_SECRET_FILE are both given: give the secret or the file holding it, not both.")) {
            try read(["audit.secret": "0123456789abcdef", "audit.secretFile": short])
        }
        #expect(throws: SettingsError("--audit-secret-file / CALLGATE_AUDIT_SECRET_FILE has 11 bytes: use at least 16 (e.g. `openssl rand -hex 32`).")) {
            try read(["audit.secretFile": short])
        }
        do {
            _ = try read(["upstream.accessTokenFile": "/nonexistent/token"])
            Issue.record("an unreadable file was accepted")
        } catch {
            #expect("\(error)".hasPrefix("--upstream-access-token-file / CALLGATE_UPSTREAM_ACCESS_TOKEN_FILE is '/nonexistent/token', which cannot be read"))
        }
        #expect(table.markdown.contains("| `--upstream-password` | `CALLGATE_UPSTREAM_PASSWORD` | `upstream.password` | (unset) |"),
                "a secret's default is never shown")
    }

    @Test("Environment variables are the documented names, secret files included")
    func environmentNames() async throws {
        let secret = try Self.temporaryFile("from-a-file\n")
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let settings = try await table.read(flags: ["jwt.issuers": "flag-issuer"], environment: [
            "CALLGATE_JWT_HS256_SECRETS": "one-secret-of-at-least-32-bytes-long,two",
            "CALLGATE_JWT_ISSUERS": "environment-issuer",
            "CALLGATE_UPSTREAM_ACCESS_TOKEN_FILE": secret,
            "CALLGATE_WEBHOOKS_SOURCES_FILE": "/etc/callgate/sources.yaml",
        ], configFile: nil)
        #expect(settings.jwtHS256Secrets == ["one-secret-of-at-least-32-bytes-long", "two"])
        #expect(settings.jwtIssuers == ["flag-issuer"])
        #expect(settings.upstreamAccessToken == "from-a-file")
        #expect(settings.webhookSourcesFile == "/etc/callgate/sources.yaml")
    }

    @Test("Command-line settings are --flag value or --flag=value, aliases and file flags included")
    func commandLine() throws {
        #expect(try table.flags(parsing: ["--port", "80", "--host=0.0.0.0", "--webhook-sources-file", "s.yaml", "--audit-secret-file", "k",
                                          "--upstream-url=https://x/?a=b", "--port", "81"])
                == ["port": "81", "host": "0.0.0.0", "webhooks.sourcesFile": "s.yaml", "audit.secretFile": "k", "upstream.url": "https://x/?a=b"])
        #expect(try table.flags(parsing: ["--webhooks-sources-file", "t.yaml"]) == ["webhooks.sourcesFile": "t.yaml"])
        // The TLS files are watched by the one reload poll now; their old flag still sets it.
        #expect(try table.flags(parsing: ["--tls-reload-interval-seconds", "7"]) == ["reload.pollSeconds": "7"])
        #expect(try read(["shutdown.drainSeconds": "0", "reload.pollSeconds": "0"]).shutdownDrainSeconds == 0)
        #expect(GatewaySettings().shutdownDrainSeconds == 5 && GatewaySettings().reloadPollSeconds == 5)
        #expect(throws: SettingsError("--webhook-source-file is not an option of this command; see --help.")) {
            try table.flags(parsing: ["--webhook-source-file", "s.yaml"])
        }
        #expect(throws: SettingsError("'8080' is not an option; options start with --, see --help.")) { try table.flags(parsing: ["8080"]) }
        #expect(throws: SettingsError("--port needs a value.")) { try table.flags(parsing: ["--port"]) }
    }

    @Test("--help lists every flag with its meaning, what it accepts, its default and its variable")
    func help() {
        #expect(table.help.contains("""
              --port <value>
                    Port to listen on (0 picks a free one). Accepts a whole number from 0 to 65535. Default: 8080. [CALLGATE_PORT]
            """))
        // Aliases are listed in their setting's meaning, not as flags of their own.
        let aliases = Set(table.settings.flatMap(\.aliases))
        #expect(aliases == ["--webhook-sources-file", "--webhook-max-body-bytes", "--tls-reload-interval-seconds"])
        for flag in table.flagKeys.keys where !aliases.contains(flag) {
            #expect(table.help.contains("  \(flag) <value>\n"), "\(flag)")
        }
        #expect(table.help.contains("Also spelt `--webhook-sources-file`."))
        #expect(table.help.contains("Also spelt `--webhook-max-body-bytes`."))
        #expect(table.help.contains("Also spelt `--tls-reload-interval-seconds`."))
    }
}
