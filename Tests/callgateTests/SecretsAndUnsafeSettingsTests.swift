import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("callgate serve refuses unsafe settings and keeps its secret files private (the binary)", .serialized)
struct SecretsAndUnsafeSettingsTests {
    /// LiveVox credentials for a real upstream, in the environment as an operator would give them.
    static let credentials = ["CALLGATE_UPSTREAM_ACCESS_TOKEN": "token", "CALLGATE_UPSTREAM_CLIENT_NAME": "client",
                              "CALLGATE_UPSTREAM_USER_NAME": "user", "CALLGATE_UPSTREAM_PASSWORD": "password"]

    static func temporaryDirectory(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("callgate-\(name)-\(UUID().uuidString)")
    }

    /// The permission bits and inode of `path`.
    static func mode(_ path: String) throws -> (mode: mode_t, inode: ino_t) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw POSIXError(.ENOENT) }
        return (status.st_mode & 0o777, status.st_ino)
    }

    /// Starts `serve` with `arguments` (the port is added) and waits until it answers; nil when it
    /// does not within ten seconds (it is then killed).
    static func serve(_ arguments: [String], environment: [String: String] = [:]) async throws -> Process? {
        let port = try ServeCommandTests.freePort()
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--calling-profile", "off", "--port", String(port), "--log-level", "error", "--shutdown-drain-seconds", "0"] + arguments
        server.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        for _ in 0..<200 {
            if (try? await ServeCommandTests.get("http://127.0.0.1:\(port)/healthz", key: nil)) == 200 { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        return nil
    }

    static func stop(_ server: Process) {
        server.terminate()
        server.waitUntilExit()
    }

    @Test("keys create writes the keys file 0600 in a 0700 directory, and adding a key replaces it whole, still 0600")
    func keysFileMode() async throws {
        let directory = Self.temporaryDirectory("keys-mode")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("data/keys.yaml").path
        #expect(try await CLI.run(["keys", "create", "--name", "first", "--role", "Manager", "--file", keys], stdin: "").status == 0)
        let first = try Self.mode(keys)
        #expect(first.mode == 0o600)
        #expect(try Self.mode(directory.appendingPathComponent("data").path).mode == 0o700)
        #expect(try await CLI.run(["keys", "create", "--name", "second", "--role", "Manager", "--file", keys], stdin: "").status == 0)
        let second = try Self.mode(keys)
        #expect(second.mode == 0o600)
        #expect(second.inode != first.inode)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("data").path) == ["keys.yaml"])
    }

    @Test("webhooks add-source writes the sources file, which holds the secrets, 0600")
    func sourcesFileMode() async throws {
        let directory = Self.temporaryDirectory("sources-mode")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sources = directory.appendingPathComponent("webhook-sources.yaml").path
        let added = try await CLI.run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--file", sources], stdin: "")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try Self.mode(sources).mode == 0o600)
    }

    @Test("The first run on the simulator writes its keys, audit key and witness key 0600 in a 0700 data directory; serve with another upstream then refuses the development keys, naming the command that revokes them, and starts once they are revoked")
    func developmentKeys() async throws {
        let directory = Self.temporaryDirectory("dev-keys")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let keys = data + "/keys.yaml"
        let files = ["--keys-file", keys, "--store", "sqlite:" + data + "/callgate.sqlite", "--audit-key-file", data + "/audit.key"]
        let embedded = try #require(try await Self.serve(files))
        Self.stop(embedded)
        #expect(try Self.mode(data).mode == 0o700)
        for file in ["keys.yaml", "audit.key", "audit-witness.key"] {
            #expect(try Self.mode(data + "/" + file).mode == 0o600, "\(file)")
        }

        let upstream = files + ["--upstream-url", "http://127.0.0.1:9"]
        let refused = try await CLI.run(["serve"] + upstream, environment: Self.credentials)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(
            "holds development keys made for the embedded simulator (dev-sysadmin, dev-superuser, dev-manager, dev-agent)"))
        #expect(refused.stderr.contains("`callgate keys revoke dev-sysadmin --file \(keys)`"))

        for name in ["dev-sysadmin", "dev-superuser", "dev-manager", "dev-agent"] {
            #expect(try await CLI.run(["keys", "revoke", name, "--file", keys], stdin: "").status == 0)
        }
        let started = try #require(try await Self.serve(upstream, environment: Self.credentials))
        Self.stop(started)
    }

    @Test("An http:// upstream on another host is refused with a sentence unless --upstream-allow-insecure-http true")
    func insecureUpstream() async throws {
        let directory = Self.temporaryDirectory("insecure")
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys.yaml").path
        #expect(try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file", keys], stdin: "").status == 0)
        let arguments = ["--keys-file", keys, "--upstream-url", "http://10.1.2.3/api", "--store", "none"]
        let refused = try await CLI.run(["serve"] + arguments, environment: Self.credentials)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(
            "--upstream-url http://10.1.2.3/api is http:// on 10.1.2.3, not a loopback address"))
        #expect(refused.stderr.contains("give --upstream-allow-insecure-http true for a test upstream."))
        let allowed = try #require(try await Self.serve(arguments + ["--upstream-allow-insecure-http", "true"],
                                                        environment: Self.credentials))
        Self.stop(allowed)
    }

    @Test("A delivered-webhook retention shorter than twice the webhook tolerance stops serve, naming both settings")
    func retentionAgainstTolerance() async throws {
        let refused = try await CLI.run(["serve", "--audit-retention-days", "1", "--webhooks-tolerance-seconds", "50000"], stdin: "")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(
            "--audit-retention-days 1 keeps delivered webhooks for less than twice --webhooks-tolerance-seconds 50000"))
    }
}
