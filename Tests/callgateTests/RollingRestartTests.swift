import CurlTransport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A rolling restart behind a load balancer: nginx in front of three `callgate serve` processes, each
/// on its own SQLite store or all on one PostgreSQL database, all forwarding to one `callgate
/// simulate` (one LiveVox, where what was launched is counted), restarted one at a time with SIGTERM
/// while GETs and POSTs keep coming.
@Suite("Rolling restart of three instances behind nginx (the binaries)", .serialized)
struct RollingRestartTests {
    /// nginx (Debian's nginx-light), run in the foreground in a directory of the test's; stopped
    /// (SIGQUIT, then SIGKILL) when released.
    ///
    /// `@unchecked Sendable`: `process` is set up in `init` and then only signalled and waited for.
    final class Nginx: @unchecked Sendable {
        let process = Process()

        /// The nginx binary; the test fails, naming the package, without one.
        static func binary() throws -> String {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
            let candidates = path.split(separator: ":").map { "\($0)/nginx" } + ["/usr/sbin/nginx", "/usr/bin/nginx"]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                Issue.record("nginx is not installed: `make deps` installs Debian's nginx-light")
                throw CancellationError()
            }
            return found
        }

        /// Starts nginx with `configuration` written into `directory`.
        init(configuration: String, directory: URL) throws {
            let file = directory.appendingPathComponent("nginx.conf")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: try Self.binary())
            process.arguments = ["-p", directory.path, "-e", directory.appendingPathComponent("error.log").path,
                                 "-c", file.path, "-g", "daemon off;"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGQUIT)
            for _ in 0..<100 where process.isRunning { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// The load's stop switch and what its requests got, shared by its clients.
    final class Load: Sendable {
        let stop = Atomic(false)
        let outcomes = Mutex<[Outcome]>([])
    }

    /// What one request of the load got: its status, or nil when no answer came.
    struct Outcome: Sendable {
        let method: String
        let requestId: String
        let status: Int?
    }

    /// The nginx configuration: one worker on `port`, the three instances as one upstream with
    /// kept-alive connections. `proxy_next_upstream error timeout` sends a request on to another
    /// instance when the chosen one refuses the connection or drops it; nginx never does so for a
    /// POST it has already sent (`non_idempotent` is deliberately absent), so a launch is tried again
    /// only when the instance never received it.
    static func configuration(port: Int, instances: [Int], directory: URL) -> String {
        let temporary = directory.appendingPathComponent("temp").path
        return """
        worker_processes 1;
        pid \(directory.appendingPathComponent("nginx.pid").path);
        events { worker_connections 1024; }
        http {
          access_log off;
          client_body_temp_path \(temporary)/body;
          proxy_temp_path \(temporary)/proxy;
          fastcgi_temp_path \(temporary)/fastcgi;
          uwsgi_temp_path \(temporary)/uwsgi;
          scgi_temp_path \(temporary)/scgi;
          upstream callgate {
        \(instances.map { "    server 127.0.0.1:\($0) max_fails=1 fail_timeout=1s;" }.joined(separator: "\n"))
            keepalive 16;
          }
          server {
            listen 127.0.0.1:\(port);
            location / {
              proxy_pass http://callgate;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_next_upstream error timeout;
              proxy_next_upstream_tries 3;
              proxy_read_timeout 30s;
            }
          }
        }
        """
    }

    @Test("Restarted one at a time under GETs and POSTs: every GET answered 200, every launch LiveVox received was answered 202 and is in a trail, every 202 reached LiveVox once",
          arguments: InstanceStores.Backend.allCases)
    func rollingRestart(backend: InstanceStores.Backend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-rolling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("temp"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = directory.appendingPathComponent("keys.yaml").path
        let key = try CLI.createKey("crm", "Manager", file: keys)
        let http = try WebhookCrashTests()
        let stores = try await offPool { try InstanceStores(backend, directory: directory) }

        let simulatorPort = try ServeCommandTests.freePort()
        let simulator = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        defer { simulator.kill9() }
        let simulatorURL = "http://127.0.0.1:\(simulatorPort)"
        try await http.waitUntilUp(simulatorURL + "/_sim/clock")

        let ports = try ServeCommandTests.freePorts(3)
        func serve(_ index: Int, generation: Int) throws -> WebhookCrashTests.Running {
            let own = try stores.instanceDirectory(index)
            return try WebhookCrashTests.Running([
                "serve", "--calling-profile", "off", "--port", String(ports[index]), "--keys-file", keys, "--log-level", "warning",
                "--shutdown-drain-seconds", "1"] + stores.serveArguments(index) + [
                "--upstream-url", simulatorURL, "--upstream-access-token", "sim-access-token",
                "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password"],
                log: own.appendingPathComponent("serve-\(generation).log"))
        }
        var instances = try (0..<3).map { try serve($0, generation: 0) }
        defer { for instance in instances { instance.kill9() } }
        for port in ports { try await http.waitUntilUp("http://127.0.0.1:\(port)/readyz") }
        try stores.requireRunning(instances)

        let nginxPort = try ServeCommandTests.freePort()
        let nginx = try Nginx(configuration: Self.configuration(port: nginxPort, instances: ports, directory: directory), directory: directory)
        let base = "http://127.0.0.1:\(nginxPort)"
        try await http.waitUntilUp(base + "/healthz")

        // The load: three clients, each alternating a GET of the queue and a launch with its own
        // request id, with a pause between pairs (the suite's other tests share the two cores), until
        // the restarts are over.
        let shared = Load()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<3 {
                    group.addTask {
                        var sequence = 0
                        while !shared.stop.load(ordering: .relaxed) {
                            sequence += 1
                            let getId = "roll-get-\(client)-\(sequence)"
                            let get = try? await http.client.execute(HTTPRequestSpec(
                                method: "GET", url: base + "/v1/services/21429/queue",
                                headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + key),
                                          HTTPHeaderField(name: "X-Request-ID", value: getId)]))
                            shared.outcomes.withLock { $0.append(Outcome(method: "GET", requestId: getId, status: get?.status)) }
                            let postId = "roll-post-\(client)-\(sequence)"
                            let body = #"{"calls": [{"phone": "(415) 205-7483", "account": "\#(postId)"}]}"#
                            let post = try? await http.client.execute(HTTPRequestSpec(
                                method: "POST", url: base + "/v1/services/21429/manual-calls",
                                headers: [HTTPHeaderField(name: "Authorization", value: "Bearer " + key),
                                          HTTPHeaderField(name: "Content-Type", value: "application/json"),
                                          HTTPHeaderField(name: "X-Request-ID", value: postId)],
                                body: Array(body.utf8)))
                            shared.outcomes.withLock { $0.append(Outcome(method: "POST", requestId: postId, status: post?.status)) }
                            try? await Task.sleep(for: .milliseconds(25))
                        }
                    }
                }
            }
        }

        try await Task.sleep(for: .seconds(1))
        for index in 0..<3 {
            let old = instances[index].process
            kill(old.processIdentifier, SIGTERM)
            while old.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(old.terminationReason == .exit)
            #expect(old.terminationStatus == 0, "instance \(index) exited \(old.terminationStatus)")
            instances[index] = try serve(index, generation: 1)
            try await http.waitUntilUp("http://127.0.0.1:\(ports[index])/readyz")
            try await Task.sleep(for: .milliseconds(500))
        }
        shared.stop.store(true, ordering: .relaxed)
        await load.value
        _ = nginx

        let all = shared.outcomes.withLock { $0 }
        let gets = all.filter { $0.method == "GET" }
        let posts = all.filter { $0.method == "POST" }
        #expect(gets.count >= 20 && posts.count >= 20, "\(gets.count) GETs and \(posts.count) POSTs")
        let unansweredGets = gets.filter { $0.status != 200 }
        #expect(unansweredGets.isEmpty, "GETs not answered 200: \(unansweredGets.map { "\($0.requestId): \($0.status.map(String.init) ?? "no answer")" })")

        // What LiveVox launched, by the account each launch carried (its request id): each once, and
        // exactly the launches answered 202. A launch request LiveVox refused with 401 launched
        // nothing: an instance that stops logs out of the session the three share (LiveVox gives one
        // user one session), and the others log in again and replay it.
        let reached = try await http.launchedAccounts(simulator: simulatorURL)
        let accepted = Set(posts.filter { $0.status == 202 }.map(\.requestId))
        let twice = reached.filter { $0.value > 1 }
        if !twice.isEmpty {
            // What LiveVox was sent for them, to tell who sent each copy.
            let received = try await http.call("GET", simulatorURL + "/_sim/requests")
            let copies = (received.body["requests"] as? [[String: Any]] ?? []).filter { request in
                twice.keys.contains { (request["body"] as? String)?.contains($0) == true }
            }
            Issue.record("launches LiveVox launched more than once: \(twice); the requests: \(copies)")
        }
        #expect(Set(reached.keys).subtracting(accepted).isEmpty,
                "launches LiveVox received whose client got no 202: \(Set(reached.keys).subtracting(accepted).sorted())")
        #expect(accepted.subtracting(reached.keys).isEmpty,
                "launches answered 202 that LiveVox never received: \(accepted.subtracting(reached.keys).sorted())")

        // Every answered launch is in a trail (an instance's, or the one they share), allowed; no
        // intent lacks its outcome; every trail verifies.
        for instance in instances { instance.kill9() }
        var trailed: Set<String> = []
        for store in stores.trails {
            let allowed = try await offPool {
                try InstanceStores.records(["--operation", "launch_manual_calls", "--outcome", "allowed"], store: store)
            }
            trailed.formUnion(allowed.filter { $0.status == 202 }.map(\.requestId))
            let incomplete = try await offPool { try InstanceStores.records(["--outcome", "incomplete"], store: store) }
            #expect(incomplete.isEmpty, "\(backend) trail: \(incomplete)")
            let verified = try await offPool { try CLI.runBlocking(["audit", "verify"] + store, stdin: "") }
            #expect(verified.status == 0, "\(backend) trail: \(verified.stderr)")
        }
        #expect(trailed == accepted, "202s not in a trail: \(accepted.subtracting(trailed).sorted())")
        // Those not answered 202 never reached LiveVox (checked above): refused by nginx or an instance.
        let refused = posts.filter { $0.status != 202 }
        print("rolling restart on \(backend): \(gets.count) GETs, \(posts.count) POSTs (\(accepted.count) answered 202, "
              + "\(refused.count) refused: \(Dictionary(grouping: refused) { $0.status.map(String.init) ?? "none" }.mapValues(\.count)))")
    }
}
