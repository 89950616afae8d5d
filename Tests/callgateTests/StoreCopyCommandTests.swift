import CallGate
import CurlTransport
import Foundation
import StorageTestSupport
import Testing

/// `callgate store copy`: one gateway's SQLite store moved to PostgreSQL, then served from there,
/// with the binaries (gateway, simulator, command) and a real PostgreSQL server.
@Suite("store copy (the binaries)", .serialized)
struct StoreCopyCommandTests {
    /// A new, empty database on the tests' server, as a store URL.
    static func newDatabase() throws -> String {
        let name = "copy_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresTestCluster.createDatabase(name)
        return try PostgresTestCluster.url(database: name)
    }

    /// Waits until `condition` holds, checking every 100 ms for at most `seconds`.
    static func waitUntil(_ what: String, seconds: Int, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<(seconds * 10) {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(what) did not happen within \(seconds) s")
        throw CancellationError()
    }

    @Test("a gateway's SQLite store copied into PostgreSQL verifies there; a gateway on the copy replays a kept answer and delivers a pending webhook; a second copy and a tampered source are refused")
    func copyThenServeFromPostgres() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-store-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sources = directory.appendingPathComponent("webhook-sources.yaml").path
        let keys = directory.appendingPathComponent("keys.yaml").path
        let sqlitePath = directory.appendingPathComponent("audit.sqlite").path
        let auditKey = directory.appendingPathComponent("audit.key").path
        let added = try await CLI.run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--services", "21429", "--file", sources], stdin: "")
        try #require(added.status == 0)
        let secret = try WebhookSecret.parse(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let ops = try await CLI.run(["keys", "create", "--name", "ops", "--role", "Sysadmin", "--file", keys], stdin: "")
        let manager = try await CLI.run(["keys", "create", "--name", "agent-desk", "--role", "Manager", "--file", keys], stdin: "")
        try #require(ops.status == 0 && manager.status == 0)
        let opsKey = ops.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let managerKey = manager.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let http = try WebhookCrashTests()

        func serve(store: String, simulator: String, port: Int) throws -> WebhookCrashTests.Running {
            try WebhookCrashTests.Running([
                "serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--webhooks-sources-file", sources,
                "--store", store, "--audit-key-file", auditKey, "--log-level", "error", "--shutdown-drain-seconds", "0",
                "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
                "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password",
            ])
        }
        func stop(_ running: WebhookCrashTests.Running) {
            running.process.terminate()
            running.process.waitUntilExit()
        }
        let callbackBody = Array(#"{"phone":"415 814 9720","at":"2030-01-15T10:00","timeZone":"PT","account":"kept-answer"}"#.utf8)
        func callback(_ base: String) async throws -> HTTPResponseSpec {
            try await http.client.execute(HTTPRequestSpec(method: "POST", url: base + "/v1/services/21429/callbacks", headers: [
                HTTPHeaderField(name: "Authorization", value: "Bearer " + managerKey),
                HTTPHeaderField(name: "Content-Type", value: "application/json"),
                HTTPHeaderField(name: "Idempotency-Key", value: "copy-test-key-1"),
            ], body: callbackBody))
        }

        // The single instance, on SQLite: an answered callback with a key, a delivered webhook, and
        // a webhook whose attempt LiveVox refused with a 503 (pending, due again in seconds).
        let simulatorPort = try ServeCommandTests.freePort()
        let simulator = "http://127.0.0.1:\(simulatorPort)"
        let firstSimulator = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        try await http.waitUntilUp(simulator + "/_sim/clock")
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let single = try serve(store: "sqlite:" + sqlitePath, simulator: simulator, port: port)
        try await http.waitUntilUp(base + "/healthz")
        let kept = try await callback(base)
        try #require((200..<300).contains(kept.status), "\(String(decoding: kept.body, as: UTF8.self))")
        #expect(try await http.sendWebhook(0, base: base, secret: secret).status == 202)
        try await Self.waitUntil("the first webhook's delivery", seconds: 30) {
            try await http.deliveries(base: base, key: opsKey, status: "delivered").count == 1
        }
        let fault = try await http.call("POST", simulator + "/_sim/faults", body: Array(
            #"{"kind":"error","status":503,"pathPrefix":"/callControl","method":"POST"}"#.utf8
        ))
        try #require(fault.status == 201)
        #expect(try await http.sendWebhook(1, base: base, secret: secret).status == 202)
        try await Self.waitUntil("the second webhook's failed attempt", seconds: 30) {
            let pending = try await http.deliveries(base: base, key: opsKey, status: "pending")
            return (pending.values.first?["attempts"] as? Int ?? 0) >= 1
        }
        stop(single)
        firstSimulator.kill9()

        // The copy, checked by the command, then by `audit verify` on the destination.
        let destination = try Self.newDatabase()
        let copy = ["store", "copy", "--from", "sqlite:" + sqlitePath, "--to", destination, "--audit-key-file", auditKey]
        let copied = try await offPool { try CLI.runBlocking(copy, stdin: "") }
        #expect(copied.status == 0, "\(copied.stdout) \(copied.stderr)")
        #expect(copied.stdout.contains("2 deliveries, 1 idempotency keys"), "\(copied.stdout)")
        #expect(copied.stdout.contains("the copy verifies"))
        let verified = try await offPool { try CLI.runBlocking(["audit", "verify", "--store", destination, "--audit-key-file", auditKey], stdin: "") }
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stdout.contains(#""intact":true"#))
        let again = try await offPool { try CLI.runBlocking(copy, stdin: "") }
        #expect(again.status == 2)
        #expect(again.stderr.contains("The destination is not empty"), "\(again.stderr)")

        // A gateway on the copy, in front of a LiveVox that has seen nothing: the key replays the
        // kept answer without calling it, and the pending webhook is delivered when due.
        let secondSimulator = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        try await http.waitUntilUp(simulator + "/_sim/clock")
        let onCopy = try serve(store: destination, simulator: simulator, port: port)
        try await http.waitUntilUp(base + "/healthz")
        let replayed = try await callback(base)
        #expect(replayed.status == kept.status)
        #expect(replayed.body == kept.body)
        #expect(replayed.header("Idempotency-Replayed") == "true")
        try await Self.waitUntil("the pending webhook's delivery from the copy", seconds: 60) {
            try await http.receivedAccounts(simulator: simulator)["crash-1"] == 1
        }
        #expect(try await http.receivedAccounts(simulator: simulator) == ["crash-1": 1])
        stop(onCopy)
        secondSimulator.kill9()
        await http.client.shutdown(gracePeriod: .seconds(1))

        // A source whose trail was edited is refused, and the destination stays empty.
        try AuditWitnessCommandTests.tamper(sqlitePath, "UPDATE audit_records SET response_status = 299 WHERE sequence = 2")
        let other = try Self.newDatabase()
        let refused = try await offPool {
            try CLI.runBlocking(["store", "copy", "--from", "sqlite:" + sqlitePath, "--to", other, "--audit-key-file", auditKey], stdin: "")
        }
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("The source's audit trail does not verify (record 2 "), "\(refused.stderr)")
        let name = String(other.split(separator: "/").last!.split(separator: "?").first!)
        #expect(try PostgresTestCluster.psql("SELECT count(*) FROM audit_records", database: name).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
