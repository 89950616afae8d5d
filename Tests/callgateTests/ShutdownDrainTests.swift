import CurlTransport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The drain before a stop, on the binary: SIGTERM fails `/readyz` at once while requests are still
/// answered for `--shutdown-drain-seconds`, then the port closes, what is in flight finishes and the
/// process exits 0.
@Suite("SIGTERM drains callgate serve before it stops (the binary)", .serialized)
struct ShutdownDrainTests {
    /// A launch body for account `account`.
    static func launch(key: String, requestId: String, account: String) -> String {
        let body = #"{"calls": [{"phone": "(415) 205-7483", "account": "\#(account)"}]}"#
        return "POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n"
            + "X-Request-ID: \(requestId)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The answer to one request on a new connection, or nil when the connection is refused.
    static func once(_ request: String, port: Int) -> HTTPConnectionTests.Response? {
        guard let connection = try? HTTPConnectionTests.Connection(port: port) else { return nil }
        connection.send(request)
        return connection.next()
    }

    @Test("SIGTERM: /readyz 503 draining at once while requests, a launch held by LiveVox among them, are still answered 200 or 202 (closing their connections) for the delay; then the port closes, exit 0, the launch in the trail")
    func drainThenStop() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-drain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let http = HTTPConnectionTests()
        // A delay far longer than what is checked during it, so that a busy machine cannot end it first.
        let running = try await http.start(in: directory, arguments: ["--shutdown-drain-seconds", "8"])
        // LiveVox holds every launch for 3 s (under the client's 5 s for one attempt).
        try await http.injectFault(#"{"kind": "latency", "latencyMilliseconds": 3000, "method": "POST", "pathPrefix": "/callControl"}"#,
                                   into: running)
        // Each connection is used by one blocking call at a time, each awaited before the next.
        nonisolated(unsafe) let kept = try HTTPConnectionTests.Connection(port: running.port)
        let first = try await offPool {
            kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            return kept.next()
        }
        #expect(first?.headers["connection"] != "close")

        nonisolated(unsafe) let held = try HTTPConnectionTests.Connection(port: running.port)
        held.send(Self.launch(key: running.key, requestId: "drain-held-launch", account: "held-1"))
        var reached = Set<String>()
        let client = try WebhookCrashTests()
        for _ in 0..<100 where !reached.contains("drain-held-launch") {
            try await Task.sleep(for: .milliseconds(50))
            reached = try await IntentCrashTests.launchRequestIds(simulator: running.simulatorURL, http: client)
        }
        try #require(reached.contains("drain-held-launch"), "the launch reached LiveVox before SIGTERM")

        let process = running.serve.process
        kill(process.processIdentifier, SIGTERM)
        // The first probe after the signal's delivery fails; the wait is for the delivery only.
        var ready: HTTPConnectionTests.Response?
        for _ in 0..<200 {
            ready = try await offPool { Self.once("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", port: running.port) }
            if ready?.status == 503 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(ready?.status == 503)
        #expect(ready?.body.contains(#""code":"draining""#) == true, "\(ready?.body ?? "")")
        #expect(ready?.headers["connection"] == "close")

        // Still served, on the connection kept alive before and on new ones, each answer closing its connection.
        let key = running.key, port = running.port
        let (onKept, closed) = try await offPool {
            kept.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n\r\n")
            return (kept.next(), kept.closedByServer())
        }
        #expect(onKept?.status == 200)
        #expect(onKept?.headers["connection"] == "close")
        #expect(closed)
        for _ in 0..<3 {
            let answer = try await offPool {
                Self.once("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(key)\r\n\r\n", port: port)
            }
            #expect(answer?.status == 200)
            #expect(answer?.headers["connection"] == "close")
        }
        // The launch LiveVox held across the signal is answered, as every answer of the drain.
        let answer = try await offPool { held.next() }
        #expect(answer?.status == 202, "\(answer?.body ?? "nothing")")
        #expect(answer?.headers["connection"] == "close")
        #expect(process.isRunning, "still draining")

        // Then the delay ends by itself: the port closes and the process exits 0.
        var refused = false
        for _ in 0..<600 where !refused {
            refused = try await offPool { (try? HTTPConnectionTests.Connection(port: port)) == nil }
            if !refused { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refused)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)

        let trail = try await offPool {
            try CLI.runBlocking(["audit", "query", "--store", "sqlite:" + directory.appendingPathComponent("audit.sqlite").path,
                         "--audit-key-file", directory.appendingPathComponent("audit.key").path,
                         "--request-id", "drain-held-launch"], stdin: "")
        }
        #expect(trail.status == 0, "\(trail.stderr)")
        let records = trail.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.map { $0["outcome"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") } == ["allowed", "intent"])
        #expect(records.allSatisfy { $0["operation"] as? String == "launch_manual_calls" })
        #expect(records.contains { $0["status"] as? Int == 202 })
    }

    @Test("A second SIGTERM during the drain ends it: the port closes long before the delay, exit 0")
    func secondSignalEndsDrain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-drain2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let http = HTTPConnectionTests()
        // A delay no test waits for: only the second signal can end it.
        let running = try await http.start(in: directory, arguments: ["--shutdown-drain-seconds", "300"])
        let process = running.serve.process
        kill(process.processIdentifier, SIGTERM)
        var draining = false
        for _ in 0..<100 where !draining {
            draining = try await offPool { Self.once("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", port: running.port)?.status } == 503
            if !draining { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(draining)
        #expect(try await offPool { Self.once("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", port: running.port)?.status } == 200)
        kill(process.processIdentifier, SIGINT)
        var exited = false
        for _ in 0..<400 where !exited {
            exited = !process.isRunning
            if !exited { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(exited, "the second signal ended the 300 s drain")
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
