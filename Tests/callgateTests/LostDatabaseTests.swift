import CallGate
import CurlTransport
import Foundation
import StorageTestSupport
import Testing

/// `callgate serve --store postgres://…` losing its database and getting it back, with the
/// binaries and a PostgreSQL server of the test's own (stopping the suite's would fail the tests
/// running beside this one).
@Suite("A lost database (the binaries on PostgreSQL)", .serialized)
struct LostDatabaseTests {
    @Test(
        "while PostgreSQL is down, /readyz, launches and webhooks answer 503 and LiveVox receives nothing, /healthz stays 200; once it is back, without a signal, CallGate is ready again and a launch is in the verified trail",
        .timeLimit(.minutes(4))
    )
    func lostAndRecovered() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-lost-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = directory.appendingPathComponent("pg").path
        let store = try await offPool { try PostgresTestCluster.script("start", cluster) }
        defer { _ = try? PostgresTestCluster.script("stop", cluster) }
        let sources = directory.appendingPathComponent("webhook-sources.yaml").path
        let keys = directory.appendingPathComponent("keys.yaml").path
        let added = try await CLI.run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--services", "21429", "--file", sources], stdin: "")
        let ops = try await CLI.run(["keys", "create", "--name", "ops", "--role", "Sysadmin", "--file", keys], stdin: "")
        let manager = try await CLI.run(["keys", "create", "--name", "desk", "--role", "Manager", "--file", keys], stdin: "")
        try #require(added.status == 0 && ops.status == 0 && manager.status == 0)
        let secret = try WebhookSecret.parse(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let opsKey = ops.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let managerKey = manager.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let http = try WebhookCrashTests()

        let simulatorPort = try ServeCommandTests.freePort()
        let simulator = "http://127.0.0.1:\(simulatorPort)"
        let simulatorProcess = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        defer { simulatorProcess.kill9() }
        try await http.waitUntilUp(simulator + "/_sim/clock")
        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let gateway = try WebhookCrashTests.Running([
            "serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--webhooks-sources-file", sources,
            "--store", store, "--audit-key-file", directory.appendingPathComponent("audit.key").path,
            "--log-level", "error", "--shutdown-drain-seconds", "0",
            "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
            "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password",
        ])
        defer { gateway.kill9() }
        try await http.waitUntilUp(base + "/readyz")

        func launch(_ account: String) async throws -> HTTPResponseSpec {
            try await http.client.execute(HTTPRequestSpec(method: "POST", url: base + "/v1/services/21429/manual-calls", headers: [
                HTTPHeaderField(name: "Authorization", value: "Bearer " + managerKey),
                HTTPHeaderField(name: "Content-Type", value: "application/json"),
            ], body: Array(#"{"calls":[{"phone":"4155550123","account":"\#(account)"}]}"#.utf8)))
        }
        func launches() async throws -> [String] {
            let answer = try await http.call("GET", simulator + "/_sim/launches")
            return (answer.body["launches"] as? [[String: Any]] ?? []).compactMap { ($0["entry"] as? [String: Any])?["account"] as? String }
        }
        func status(_ path: String) async throws -> Int { try await http.call("GET", base + path).status }
        func waitFor(_ what: String, seconds: Int, _ condition: () async throws -> Bool) async throws {
            try await StoreCopyCommandTests.waitUntil(what, seconds: seconds, condition)
        }

        let before = try await launch("before-the-loss")
        #expect((200..<300).contains(before.status))
        #expect(try await launches() == ["before-the-loss"])

        _ = try await offPool { try PostgresTestCluster.script("stop-server", cluster) }
        // The readiness probe's write fails within its deadline (2 s) and its answer is cached 1 s.
        try await waitFor("/readyz failing", seconds: 15) { try await status("/readyz") == 503 }
        #expect(try await status("/healthz") == 200)
        let refused = try await launch("during-the-loss")
        #expect(refused.status == 503)
        #expect(refused.header("Content-Type") == "application/problem+json")
        #expect(refused.header("Retry-After") != nil)
        let webhook = try await http.sendWebhook(7, base: base, secret: secret)
        #expect(webhook.status == 503)
        #expect(webhook.body["deliveryId"] == nil)
        #expect(try await status("/healthz") == 200)
        #expect(try await launches() == ["before-the-loss"])

        _ = try await offPool { try PostgresTestCluster.script("start-server", cluster) }
        try await waitFor("/readyz passing again", seconds: 60) { try await status("/readyz") == 200 }
        let after = try await launch("after-the-loss")
        #expect((200..<300).contains(after.status))
        #expect(try await launches() == ["before-the-loss", "after-the-loss"])
        // The webhook refused during the loss was not accepted: sent again, it is new.
        let resent = try await http.sendWebhook(7, base: base, secret: secret)
        #expect(resent.status == 202)
        #expect(resent.body["duplicate"] as? Bool == false)
        let requestId = try #require(after.header("X-Request-ID"))
        let records = try await http.call("GET", base + "/v1/audit?requestId=" + requestId, headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + opsKey)])
        #expect(records.status == 200)
        #expect((records.body["records"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String }.sorted() == ["allowed", "intent"])
        let verified = try await http.call("GET", base + "/v1/audit/verify", headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + opsKey)])
        #expect(verified.status == 200)
        #expect(verified.body["intact"] as? Bool == true)
        gateway.kill9()
        await http.client.shutdown(gracePeriod: .seconds(1))
    }
}

