import CallGate
import CurlTransport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// kill -9 of `callgate serve` with webhooks in flight, against the simulator in a process of its
/// own (so that what LiveVox received outlives the gateway).
@Suite("Webhooks through kill -9 (the binaries)", .serialized)
struct WebhookCrashTests {
    /// A running binary, killed with SIGKILL when the test ends.
    ///
    /// `@unchecked Sendable`: `process` is set up in `init` and then only signalled and waited for.
    final class Running: @unchecked Sendable {
        let process = Process()

        /// `log`: a file to take the process's standard error (its log), else it is dropped.
        init(_ arguments: [String], environment: [String: String] = [:], log: URL? = nil) throws {
            process.executableURL = CLI.binary
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            process.standardOutput = FileHandle.nullDevice
            if let log {
                FileManager.default.createFile(atPath: log.path, contents: nil)
                process.standardError = try FileHandle(forWritingTo: log)
            } else {
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
        }

        func kill9() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { kill9() }
    }

    /// An HTTP answer: status and body.
    struct Answer {
        var status: Int
        var body: [String: Any]
    }

    let client: CurlHTTPClient

    init() throws {
        // One connection per webhook in flight: all 1000 are sent at once.
        client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 1000, requestTimeout: .seconds(20)))
    }

    func call(_ method: String, _ url: String, headers: [HTTPHeaderField] = [], body: [UInt8] = []) async throws -> Answer {
        let response = try await client.execute(HTTPRequestSpec(method: method, url: url, headers: headers, body: body))
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        return Answer(status: response.status, body: object)
    }

    func waitUntilUp(_ url: String) async throws {
        for _ in 0..<300 {
            if let answer = try? await call("GET", url), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(url) did not come up")
        throw CancellationError()
    }

    /// Webhook `index`: a callback for account `crash-<index>`, signed now.
    func sendWebhook(_ index: Int, base: String, secret: WebhookSecret) async throws -> Answer {
        let webhook = Self.callbackWebhook(id: "crash-webhook-\(index)", account: "crash-\(index)", secret: secret)
        return try await call("POST", base + "/v1/webhooks/callbacks", headers: webhook.headers, body: webhook.body)
    }

    /// The headers and body of webhook `id` to `POST /v1/webhooks/callbacks`: a callback of service
    /// 21429 for `account`, signed now with `secret`.
    static func callbackWebhook(id: String, account: String, secret: WebhookSecret) -> (headers: [HTTPHeaderField], body: [UInt8]) {
        let body = Array(#"{"serviceId":21429,"phone":"415 814 9720","at":"2030-01-15T10:00","timeZone":"PT","account":"\#(account)"}"#.utf8)
        let timestamp = String(Int(Date().timeIntervalSince1970))
        return ([HTTPHeaderField(name: "Content-Type", value: "application/json"),
                 HTTPHeaderField(name: "webhook-id", value: id),
                 HTTPHeaderField(name: "webhook-timestamp", value: timestamp),
                 HTTPHeaderField(name: "webhook-signature", value: secret.signature(id: id, timestamp: timestamp, body: body))],
                body)
    }

    /// Every delivery in the outbox, by id (the deliveries API, page by page).
    func deliveries(base: String, key: String, status: String? = nil) async throws -> [String: [String: Any]] {
        var all: [String: [String: Any]] = [:]
        var cursor: String?
        repeat {
            var url = base + "/v1/deliveries?limit=1000"
            if let status { url += "&status=" + status }
            if let cursor { url += "&cursor=" + cursor }
            let page = try await call("GET", url, headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + key)])
            try #require(page.status == 200)
            for delivery in page.body["deliveries"] as? [[String: Any]] ?? [] {
                all[delivery["id"] as! String] = delivery
            }
            cursor = page.body["nextCursor"] as? String
        } while cursor != nil
        return all
    }

    /// How many callbacks the simulator accepted per account.
    func receivedAccounts(simulator: String) async throws -> [String: Int] {
        let answer = try await call("GET", simulator + "/_sim/callbacks")
        try #require(answer.status == 200)
        var counts: [String: Int] = [:]
        for callback in answer.body["callbacks"] as? [[String: Any]] ?? [] {
            let request = callback["request"] as? [String: Any]
            counts[request?["account"] as? String ?? "?", default: 0] += 1
        }
        return counts
    }

    /// How many call entries the simulator launched per account.
    func launchedAccounts(simulator: String) async throws -> [String: Int] {
        let answer = try await call("GET", simulator + "/_sim/launches")
        try #require(answer.status == 200)
        var counts: [String: Int] = [:]
        for launch in answer.body["launches"] as? [[String: Any]] ?? [] {
            counts[(launch["entry"] as? [String: Any])?["account"] as? String ?? "?", default: 0] += 1
        }
        return counts
    }

    /// Waits until no delivery is pending or being sent, for at most `seconds`.
    func waitForDrain(base: String, key: String, seconds: Int = 60) async throws {
        for _ in 0..<(seconds * 10) {
            let pending = try await deliveries(base: base, key: key, status: "pending").count
            let sending = try await deliveries(base: base, key: key, status: "sending").count
            if pending == 0, sending == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("The outbox did not drain within \(seconds) s")
        throw CancellationError()
    }

    @Test("kill -9 while 1000 webhooks stream in: after a restart and the CRM's retries, LiveVox received each accepted webhook exactly once")
    func killWithWebhooksInFlight() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-webhook-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sources = directory.appendingPathComponent("webhook-sources.yaml").path
        let keys = directory.appendingPathComponent("keys.yaml").path
        let store = "sqlite:" + directory.appendingPathComponent("audit.sqlite").path
        let auditKey = directory.appendingPathComponent("audit.key").path
        let added = try await CLI.run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--services", "21429",
                                 "--file", sources], stdin: "")
        try #require(added.status == 0)
        let secret = try WebhookSecret.parse(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let created = try await CLI.run(["keys", "create", "--name", "ops", "--role", "Sysadmin", "--file", keys], stdin: "")
        try #require(created.status == 0)
        let opsKey = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let simulatorPort = try ServeCommandTests.freePort()
        let simulatorProcess = try Running(["simulate", "--port", String(simulatorPort)])
        let simulator = "http://127.0.0.1:\(simulatorPort)"
        try await waitUntilUp(simulator + "/_sim/clock")

        let port = try ServeCommandTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let serve = ["serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--webhooks-sources-file", sources,
                     "--store", store, "--audit-key-file", auditKey, "--log-level", "error",
                     "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
                     "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password"]
        let first = try Running(serve)
        try await waitUntilUp(base + "/healthz")

        // 1000 webhooks, 32 in flight at a time (a CRM's sender pool); the gateway dies under them
        // once a quarter has been accepted. The task that records the quarter's last acceptance kills
        // it at once: a separate task polling the count could wait for a thread of the test's busy
        // pool. With all 1000 sent at once, one group commit (a single fsync under
        // synchronous=FULL) can answer every one of them before the kill lands.
        let total = 1000, inFlight = 32
        let accepted = AcceptedDeliveries()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                if index >= inFlight { await group.next() }
                group.addTask {
                    guard let answer = try? await sendWebhook(index, base: base, secret: secret), answer.status == 202,
                          let id = answer.body["deliveryId"] as? String else { return }
                    let count = accepted.ids.withLock { ids in
                        ids[index] = id
                        return ids.count
                    }
                    if count == total / 4 { first.kill9() }
                }
            }
        }
        let acceptedBeforeKill = accepted.ids.withLock { $0 }
        #expect(acceptedBeforeKill.count >= total / 4)
        #expect(acceptedBeforeKill.count < total, "the gateway was killed after every webhook was answered")

        // Restart on the same store; the CRM sends every webhook again (it cannot know which ones
        // were answered): each gets 202, and the ones answered before keep their delivery id.
        let second = try Running(serve)
        defer { second.kill9() }
        try await waitUntilUp(base + "/healthz")
        var deliveryOf: [Int: String] = [:]
        for index in 0..<total {
            let answer = try await sendWebhook(index, base: base, secret: secret)
            try #require(answer.status == 202, "webhook \(index) was answered \(answer.status) after the restart")
            let id = try #require(answer.body["deliveryId"] as? String)
            if let before = acceptedBeforeKill[index] {
                #expect(id == before, "webhook \(index) was accepted as \(before) before the kill and as \(id) after")
                #expect(answer.body["duplicate"] as? Bool == true)
            }
            deliveryOf[index] = id
        }
        try await waitForDrain(base: base, key: opsKey)

        // One delivery per webhook, each delivered, or unknown when it was being sent at the kill.
        let outbox = try await deliveries(base: base, key: opsKey)
        #expect(outbox.count == total)
        #expect(Set(deliveryOf.values) == Set(outbox.keys))
        let received = try await receivedAccounts(simulator: simulator)
        #expect(received.values.allSatisfy { $0 == 1 }, "LiveVox received a callback twice: \(received.filter { $0.value > 1 })")
        var unknown: [Int: String] = [:]
        for (index, id) in deliveryOf {
            let delivery = try #require(outbox[id])
            let account = "crash-\(index)"
            switch delivery["status"] as? String {
            case "delivered":
                #expect(received[account] == 1, "delivery \(id) is delivered but LiveVox has no callback for \(account)")
            case "unknown":
                #expect(delivery["lastError"] as? String == "interrupted: the process stopped while it was being sent; it may or may not have reached LiveVox")
                unknown[index] = id
            case let other:
                Issue.record("delivery \(id) ended \(other ?? "without a status")")
            }
        }
        // At most one claimed batch (32) was in flight when the process died.
        #expect(unknown.count <= 32)

        // The operator's review: an unknown delivery LiveVox never received is retried; one it did
        // receive is left alone. Then LiveVox has every webhook exactly once.
        for (index, id) in unknown where received["crash-\(index)"] == nil {
            let retried = try await call("POST", base + "/v1/deliveries/\(id)/retry",
                                         headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + opsKey)])
            #expect(retried.status == 200)
        }
        try await waitForDrain(base: base, key: opsKey)
        let finally = try await receivedAccounts(simulator: simulator)
        #expect(finally == Dictionary(uniqueKeysWithValues: (0..<total).map { ("crash-\($0)", 1) }))

        second.kill9()
        simulatorProcess.kill9()
        await client.shutdown(gracePeriod: .seconds(1))
        let verify = try await CLI.run(["audit", "verify", "--store", store, "--audit-key-file", auditKey], stdin: "")
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains(#""intact":true"#))
    }
}

/// Delivery ids by webhook index, filled in by concurrent senders.
final class AcceptedDeliveries: Sendable {
    let ids = Mutex<[Int: String]>([:])
}
