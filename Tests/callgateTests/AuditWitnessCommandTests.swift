import CSQLite
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

@Suite("The audit witness through the binary", .serialized)
struct AuditWitnessCommandTests {
    /// Runs `sql` on the database file directly, as someone with access to the file would.
    static func tamper(_ path: String, _ sql: String) throws {
        var handle: OpaquePointer?
        defer { sqlite3_close(handle) }
        guard sqlite3_open(path, &handle) == SQLITE_OK, sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw POSIXError(.EIO)
        }
    }

    /// Starts `serve` on the store in `directory`, its log in `log`, and waits until it answers;
    /// returns the process and base URL.
    private static func serve(_ directory: URL, log: String) async throws -> (Process, String) {
        let port = try ServeCommandTests.freePort()
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--calling-profile", "off", "--port", String(port), "--shutdown-drain-seconds", "0", "--keys-file", directory.appendingPathComponent("keys.yaml").path,
                            "--store", "sqlite:" + directory.appendingPathComponent("audit.sqlite").path,
                            "--audit-key-file", directory.appendingPathComponent("audit.key").path]
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        server.standardOutput = FileHandle.nullDevice
        server.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try server.run()
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<200 where !up {
            up = (try? await ServeCommandTests.get(base + "/healthz", key: nil)) == 200
            if !up { try await Task.sleep(for: .milliseconds(50)) }
        }
        if !up { kill(server.processIdentifier, SIGKILL) }
        try #require(up)
        return (server, base)
    }

    @Test("serve signs the chain head into the witness file and the log; verify with the witness names the newest twenty records deleted after a clean stop, serve reports the cut trail at start, and verify refuses a forged line")
    func witnessedTail() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-witness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keysFile = directory.appendingPathComponent("keys.yaml").path
        let database = directory.appendingPathComponent("audit.sqlite").path
        let store = "sqlite:" + database
        let auditKey = directory.appendingPathComponent("audit.key").path
        let witnessFile = directory.appendingPathComponent("audit.witness").path
        let log = directory.appendingPathComponent("serve.log").path
        let created = try await CLI.run(["keys", "create", "--name", "ops", "--role", "Manager", "--file", keysFile], stdin: "")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let (server, base) = try await Self.serve(directory, log: log)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        for _ in 0..<30 {
            #expect(try await ServeCommandTests.get(base + "/v1/services/21429/queue", key: key) == 200)
        }
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)

        // The last line is the head the store closed at: record 30, also in the log.
        let lines = try String(contentsOfFile: witnessFile, encoding: .utf8).split(separator: "\n")
        let lastLine = try #require(lines.last)
        let last = try #require(JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any])
        #expect(last["sequence"] as? Int == 30)
        let seenAt = try #require(last["time"] as? String)
        let logText = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logText.contains("Audit chain head witnessed"))
        #expect(logText.contains(#"\"sequence\":30,"#))
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("audit-witness.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let publicKey = try await CLI.run(["audit", "witness-key", "--store", store], stdin: "")
        #expect(publicKey.status == 0, "\(publicKey.stderr)")
        let hex = publicKey.stdout.trimmingCharacters(in: .newlines)
        #expect(hex.count == 64 && hex.allSatisfy(\.isHexDigit))

        let alone = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey], stdin: "")
        #expect(alone.status == 0)
        #expect(alone.stderr == "callgate audit verify: intact, 30 records checked; without --witness, records deleted from the end of the trail cannot be detected.\n")
        let witnessed = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey,
                                     "--witness", witnessFile, "--witness-public-key", hex], stdin: "")
        #expect(witnessed.status == 0, "\(witnessed.stderr)")
        #expect(witnessed.stderr == "callgate audit verify: intact, 30 records checked; the trail reaches the witness's last head, record 30 seen at \(seenAt).\n")

        // The newest twenty deleted while the service is stopped: the chain alone still verifies.
        try Self.tamper(database, "DELETE FROM audit_records WHERE sequence > 10")
        let cutAlone = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey], stdin: "")
        #expect(cutAlone.status == 0)
        let cut = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey, "--witness", witnessFile], stdin: "")
        #expect(cut.status == 1)
        #expect(cut.stderr == "callgate audit verify: NOT intact: records 11 to 30 are missing: the witness saw the chain reach 30 at \(seenAt)\n")

        // Started again on the cut trail, serve says so in its log (and witnesses the new head).
        let restartLog = directory.appendingPathComponent("restart.log").path
        let (restarted, _) = try await Self.serve(directory, log: restartLog)
        defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
        kill(restarted.processIdentifier, SIGTERM)
        restarted.waitUntilExit()
        let restartText = try String(contentsOfFile: restartLog, encoding: .utf8)
        #expect(restartText.contains("critical callgate: The audit trail does not reach what its witness saw"), "\(restartText)")
        #expect(restartText.contains("The audit trail ends at record 10, but the witness (\(witnessFile)) saw it reach 30 at \(seenAt): records 11 to 30 are missing."))

        // The line of head 30, changed by hand, no longer carries the witness key's signature.
        var forged = try String(contentsOfFile: witnessFile, encoding: .utf8).split(separator: "\n").map(String.init)
        forged[lines.count - 1] = forged[lines.count - 1].replacingOccurrences(of: #""sequence":30,"#, with: #""sequence":10,"#)
        try (forged.joined(separator: "\n") + "\n").write(toFile: witnessFile, atomically: false, encoding: .utf8)
        let refused = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey, "--witness", witnessFile], stdin: "")
        #expect(refused.status == 1)
        #expect(refused.stderr == "callgate audit verify: NOT intact: Line \(lines.count) of the witness file \(witnessFile) (record 10) is not signed by the witness key: it was forged or altered.\n")
    }
}
