import CallGate
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

@Suite("callgate serve (the binary)", .serialized)
struct ServeCommandTests {
    /// A free loopback port, found by binding port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else { throw POSIXError(.EADDRINUSE) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `count` distinct free loopback ports, for servers started side by side: two ports the
    /// kernel handed out one after the other may be the same one, since each was released at once.
    static func freePorts(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let port = try freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }

    static func get(_ url: String, key: String?) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as! HTTPURLResponse).statusCode
    }

    /// `callgate serve` on a free port with `keys`, no drain delay and `arguments`, once it answers
    /// `/healthz` over plain HTTP (unless `waitOverHTTP` is false: an HTTPS caller waits itself);
    /// returns the process and its base URL.
    /// The calling windows are off unless `arguments` turn them on (a later flag wins): these
    /// servers' subjects are not the hour, and the suite runs at any hour.
    static func serve(keys: String, _ arguments: [String], waitOverHTTP: Bool = true) async throws -> (Process, String) {
        let port = try freePort()
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--log-level", "error",
                            "--shutdown-drain-seconds", "0"] + arguments
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        let base = "http://127.0.0.1:\(port)"
        var up = !waitOverHTTP
        for _ in 0..<200 where !up {
            up = (try? await get(base + "/healthz", key: nil)) == 200
            if !up { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(up)
        return (server, base)
    }

    @Test("SIGHUP reloads the keys file: a key created while serving works without a restart; SIGTERM stops it")
    func reloadOnSIGHUP() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-hup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys.yaml").path
        let first = try await CLI.run(["keys", "create", "--name", "first", "--role", "Manager", "--file", keys], stdin: "")
        #expect(first.status == 0)

        // No poll: only the signal can pick the new key up.
        let (server, base) = try await Self.serve(keys: keys, ["--reload-poll-seconds", "0",
                                                              "--store", "sqlite:" + directory.appendingPathComponent("callgate.sqlite").path,
                                                              "--audit-key-file", directory.appendingPathComponent("audit.key").path])
        defer { if server.isRunning { server.terminate() } }
        let firstKey = first.stdout.trimmingCharacters(in: .newlines)
        #expect(try await Self.get(base + "/v1/services/21429/queue", key: firstKey) == 200)

        let second = try await CLI.run(["keys", "create", "--name", "second", "--role", "Manager", "--file", keys], stdin: "")
        let secondKey = second.stdout.trimmingCharacters(in: .newlines)
        #expect(try await Self.get(base + "/v1/services/21429/queue", key: secondKey) == 401)

        kill(server.processIdentifier, SIGHUP)
        var reloaded = false
        for _ in 0..<100 where !reloaded {
            reloaded = (try await Self.get(base + "/v1/services/21429/queue", key: secondKey)) == 200
            if !reloaded { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(reloaded)
        #expect(try await Self.get(base + "/v1/services/21429/queue", key: firstKey) == 200)

        server.terminate()  // SIGTERM: a graceful drain
        server.waitUntilExit()
        #expect(server.terminationReason == .exit)
        #expect(server.terminationStatus == 0)
    }

    @Test("Without a signal, the keys file is picked up by the poll when Kubernetes re-points its ..data link")
    func reloadByPoll() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-poll-\(UUID().uuidString)")
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: directory.appendingPathComponent("..v1"), withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: directory) }
        let first = try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file",
                                 directory.appendingPathComponent("..v1/keys.yaml").path], stdin: "")
        #expect(first.status == 0)
        try fileManager.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path, withDestinationPath: "..v1")
        let keys = directory.appendingPathComponent("keys.yaml").path
        try fileManager.createSymbolicLink(atPath: keys, withDestinationPath: "..data/keys.yaml")

        let (server, base) = try await Self.serve(keys: keys, ["--reload-poll-seconds", "1", "--store", "none"])
        defer { if server.isRunning { server.terminate() } }
        let firstKey = first.stdout.trimmingCharacters(in: .newlines)
        #expect(try await Self.get(base + "/v1/services/21429/queue", key: firstKey) == 200)

        try fileManager.createDirectory(at: directory.appendingPathComponent("..v2"), withIntermediateDirectories: false)
        let second = try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file",
                                  directory.appendingPathComponent("..v2/keys.yaml").path], stdin: "")
        let secondKey = second.stdout.trimmingCharacters(in: .newlines)
        try fileManager.createSymbolicLink(atPath: directory.appendingPathComponent("..data_tmp").path, withDestinationPath: "..v2")
        #expect(rename(directory.appendingPathComponent("..data_tmp").path, directory.appendingPathComponent("..data").path) == 0)

        var reloaded = false
        for _ in 0..<100 where !reloaded {
            reloaded = (try await Self.get(base + "/v1/services/21429/queue", key: secondKey)) == 200
            if !reloaded { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(reloaded)
        #expect(try await Self.get(base + "/v1/services/21429/queue", key: firstKey) == 401)
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
    }

    @Test("An unusable setting stops serve with status 2 and a sentence")
    func badSetting() async throws {
        let result = try await CLI.run(["serve", "--port", "eighty"], stdin: "")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--port / CALLGATE_PORT is 'eighty'"))
    }

    @Test("--webhook-sources-file is accepted as a spelling of --webhooks-sources-file")
    func webhookSourcesSpelling() async throws {
        for flag in ["--webhooks-sources-file", "--webhook-sources-file"] {
            // Parsed (the error is about the port, read after the options), not refused as unknown.
            let result = try await CLI.run(["serve", flag, "/nonexistent/sources.yaml", "--port", "eighty"], stdin: "")
            #expect(result.status == 2)
            #expect(result.stderr.contains("--port / CALLGATE_PORT is 'eighty'"), "\(flag): \(result.stderr)")
        }
        let unknown = try await CLI.run(["serve", "--webhook-source-file", "/nonexistent/sources.yaml"], stdin: "")
        #expect(unknown.status == 2)
        #expect(!unknown.stderr.contains("CALLGATE_PORT"))
    }

    @Test("serve --help lists every setting's flag with its meaning, default and environment variable")
    func helpListsEverySetting() async throws {
        let result = try await CLI.run(["serve", "--help"], stdin: "")
        #expect(result.status == 0)
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // Aliases are listed in their setting's meaning, not as flags of their own.
        let aliases = Set(GatewaySettings.table.settings.flatMap(\.aliases))
        for flag in GatewaySettings.table.flagKeys.keys where !aliases.contains(flag) {
            #expect(help.contains("\(flag) <value>"), "\(flag)")
        }
        #expect(help.contains("--port <value> Port to listen on (0 picks a free one). Accepts a whole number from 0 to 65535. Default: 8080. [CALLGATE_PORT]"))
        #expect(help.contains("--audit-secret-file <value> A file holding audit.secret"))
        #expect(help.contains("--config <config>"))
    }

    @Test("serve --settings-markdown prints the table the README holds")
    func settingsMarkdown() async throws {
        let result = try await CLI.run(["serve", "--settings-markdown"], stdin: "")
        #expect(result.status == 0)
        #expect(result.stdout == GatewaySettings.table.markdown)
    }

    @Test("A value and its secret file together, or a flag without its value, stop serve with status 2 and a sentence")
    func secretFileConflict() async throws {
        let both = try await CLI.run(["serve", "--audit-secret", "0123456789abcdef", "--audit-secret-file", "/nonexistent/secret"], stdin: "")
        #expect(both.status == 2)
        #expect(both.stderr.contains("--audit-secret / CALLGATE_AUDIT_SECRET and --audit-secret-file / CALLGATE_AUDIT_SECRET_FILE are both given"))
        #expect(!both.stderr.contains("0123456789abcdef"))
        let missing = try await CLI.run(["serve", "--port"], stdin: "")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--port needs a value."))
    }
}
