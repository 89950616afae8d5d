import CurlTransport
import Foundation
import Testing

/// kill -9 of `callgate serve` while LiveVox holds launches it has accepted, against the simulator
/// in a process of its own (so that what LiveVox received outlives the gateway).
@Suite("Launches through kill -9 (the binaries)", .serialized)
struct IntentCrashTests {
    @Test("kill -9 while LiveVox holds launches: after a restart each request id LiveVox received is in the trail as incomplete, and the start reports them")
    func killWithLaunchesAtLiveVox() async throws {
        let http = try WebhookCrashTests()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-intent-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys.yaml").path
        let store = "sqlite:" + directory.appendingPathComponent("audit.sqlite").path
        let managerKey = try CLI.createKey("launcher", "Manager", file: keys)
        let opsKey = try CLI.createKey("ops", "Sysadmin", file: keys)

        let simulatorPort = try ServeCommandTests.freePort()
        let simulatorProcess = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        defer { simulatorProcess.kill9() }
        let simulator = "http://127.0.0.1:\(simulatorPort)"
        try await http.waitUntilUp(simulator + "/_sim/clock")
        // LiveVox accepts the launches (records them) and holds its answers for a minute.
        let fault = try await http.call("POST", simulator + "/_sim/faults", body: Array(
            #"{"kind":"latency","pathPrefix":"/callControl","latencyMilliseconds":60000}"#.utf8))
        try #require(fault.status == 201)

        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let serve = ["serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--store", store,
                     "--audit-key-file", directory.appendingPathComponent("audit.key").path, "--log-level", "warning",
                     "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
                     "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password"]
        let first = try WebhookCrashTests.Running(serve)
        try await http.waitUntilUp(base + "/healthz")

        let launches = 5
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<launches {
                    group.addTask {
                        _ = try? await http.call("POST", base + "/v1/services/21429/manual-calls", headers: [
                            HTTPHeaderField(name: "Authorization", value: "Bearer " + managerKey),
                            HTTPHeaderField(name: "Content-Type", value: "application/json"),
                        ], body: Array(#"{"calls":[{"phone":"4155550123"}]}"#.utf8))
                    }
                }
            }
        }
        var reached: Set<String> = []
        for _ in 0..<200 {
            reached = try await Self.launchRequestIds(simulator: simulator, http: http)
            if reached.count == launches { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(reached.count == launches, "LiveVox received \(reached.count) of \(launches) launches")
        first.kill9()
        await senders.value

        let log = directory.appendingPathComponent("restart.log")
        let second = try WebhookCrashTests.Running(serve, log: log)
        defer { second.kill9() }
        try await http.waitUntilUp(base + "/healthz")
        let incomplete = try await http.call("GET", base + "/v1/audit?outcome=incomplete",
                                             headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + opsKey)])
        #expect(incomplete.status == 200)
        let records = incomplete.body["records"] as? [[String: Any]] ?? []
        #expect(Set(records.compactMap { $0["requestId"] as? String }) == reached)
        #expect(records.allSatisfy { $0["outcome"] as? String == "incomplete" && $0["operation"] as? String == "launch_manual_calls" })

        var metrics = ""
        for _ in 0..<100 {
            let response = try await http.client.execute(HTTPRequestSpec(method: "GET", url: base + "/metrics"))
            metrics = String(decoding: response.body, as: UTF8.self)
            if metrics.contains("callgate_audit_incomplete_requests \(launches)") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(metrics.contains("callgate_audit_incomplete_requests \(launches)"))
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(logText.contains("Requests sent to LiveVox without an outcome record"), "\(logText)")
        for id in reached { #expect(logText.contains(id), "the start's log names \(id)") }

        let verified = try await CLI.run(["audit", "verify", "--store", store,
                                    "--audit-key-file", directory.appendingPathComponent("audit.key").path], stdin: "")
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
    }

    /// The `X-Request-ID` of each launch the simulator received.
    static func launchRequestIds(simulator: String, http: WebhookCrashTests) async throws -> Set<String> {
        let answer = try await http.call("GET", simulator + "/_sim/requests")
        let requests = answer.body["requests"] as? [[String: Any]] ?? []
        var ids: Set<String> = []
        for request in requests where (request["path"] as? String)?.hasSuffix("LaunchManualCalls") == true {
            let headers = request["headers"] as? [[String: Any]] ?? []
            if let id = headers.first(where: { ($0["name"] as? String)?.lowercased() == "x-request-id" })?["value"] as? String {
                ids.insert(id)
            }
        }
        return ids
    }
}
