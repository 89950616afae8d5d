import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

@Suite("The audit trail through the binary", .serialized)
struct AuditCommandTests {
    @Test("kill -9 under load: every answered request is in the audit trail afterwards, and the chain verifies")
    func killUnderLoad() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keysFile = directory.appendingPathComponent("keys.yaml").path
        let store = "sqlite:" + directory.appendingPathComponent("audit.sqlite").path
        let keyFile = directory.appendingPathComponent("audit.key").path
        let created = try await CLI.run(["keys", "create", "--name", "load", "--role", "Manager", "--file", keysFile], stdin: "")
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let port = try ServeCommandTests.freePort()
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--calling-profile", "off", "--port", String(port), "--shutdown-drain-seconds", "0", "--keys-file", keysFile, "--log-level", "error",
                            "--store", store, "--audit-key-file", keyFile]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<200 where !up {
            up = (try? await ServeCommandTests.get(base + "/healthz", key: nil)) == 200
            if !up { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(up)

        // 16 clients send reads, launches and refused requests until the server dies under them.
        let answered = AnsweredIDs()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        let session = URLSession(configuration: configuration)
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<16 {
                    group.addTask {
                        var round = 0
                        while !Task.isCancelled {
                            round += 1
                            var request: URLRequest
                            switch (client + round) % 3 {
                            case 0:
                                request = URLRequest(url: URL(string: base + "/v1/services/21429/queue")!)
                            case 1:
                                request = URLRequest(url: URL(string: base + "/v1/services/21429/manual-calls")!)
                                request.httpMethod = "POST"
                                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                                request.httpBody = Data(#"{"calls":[{"phone":"4155550123"}]}"#.utf8)
                            default:
                                request = URLRequest(url: URL(string: base + "/v1/services/0/queue")!)
                            }
                            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                            guard let (_, response) = try? await session.data(for: request),
                                  let http = response as? HTTPURLResponse else { return }
                            if let id = http.value(forHTTPHeaderField: "X-Request-ID") {
                                answered.ids.withLock { $0.append(id) }
                            }
                        }
                    }
                }
            }
        }
        while answered.ids.withLock({ $0.count }) < 300 { try await Task.sleep(for: .milliseconds(20)) }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        await load.value
        let ids = answered.ids.withLock { $0 }

        let query = try await CLI.run(["audit", "query", "--store", store, "--audit-key-file", keyFile], stdin: "")
        #expect(query.status == 0, "\(query.stderr)")
        let stored = Set(query.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["requestId"] as? String
        })
        let missing = ids.filter { !stored.contains($0) }
        #expect(ids.count >= 300)
        #expect(missing.isEmpty, "\(missing.count) of \(ids.count) answered requests are not in the audit trail")

        let verify = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", keyFile], stdin: "")
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains(#""intact":true"#))
    }

    @Test("audit query and verify: usage errors exit 2 naming the option, a missing key file exits 3")
    func usage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-auditcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = "sqlite:" + directory.appendingPathComponent("audit.sqlite").path
        let keyFile = directory.appendingPathComponent("audit.key").path
        FileManager.default.createFile(atPath: keyFile, contents: Data(String(repeating: "ab", count: 32).utf8),
                                       attributes: [.posixPermissions: 0o600])

        let badPhone = try await CLI.run(["audit", "query", "--store", store, "--audit-key-file", keyFile, "--phone", "12"], stdin: "")
        #expect(badPhone.status == 2)
        #expect(badPhone.stderr.contains("--phone is '12'"), "\(badPhone.stderr)")
        let badFormat = try await CLI.run(["audit", "query", "--store", store, "--format", "xml"], stdin: "")
        #expect(badFormat.status == 2)
        let noKey = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", keyFile + ".missing"], stdin: "")
        #expect(noKey.status == 3)
        #expect(noKey.stderr.contains("does not exist"))
        let empty = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", keyFile], stdin: "")
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains(#""intact":true,"checked":0"#))
    }
}

/// The request ids of answered requests, collected from many client tasks.
final class AnsweredIDs: Sendable {
    let ids = Mutex<[String]>([])
}
