import CurlTransport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 connection handling of `callgate serve`, over raw sockets: pipelined requests answered
/// in order, `Connection: close`, and the graceful drain on SIGTERM.
@Suite("HTTP connections of callgate serve (the binary, raw sockets)", .serialized)
struct HTTPConnectionTests {
    /// One response as read off the socket.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// A blocking TCP connection to 127.0.0.1 with a 10 s receive timeout.
    final class Connection {
        let fd: Int32
        private var buffer: [UInt8] = []

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
        }

        deinit { close(fd) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let written = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { return }
                sent += written
            }
        }

        /// More bytes; false at end of stream (or after the timeout).
        private func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }

        /// The next response (its body sized by Content-Length), or nil when the server closed first.
        func next() -> Response? {
            let separator: [UInt8] = [13, 10, 13, 10]
            var end: Int?
            while true {
                if buffer.count >= 4 {
                    end = (0...(buffer.count - 4)).first { Array(buffer[$0..<($0 + 4)]) == separator }
                }
                if end != nil { break }
                guard fill() else { return nil }
            }
            let head = String(decoding: buffer[..<end!], as: UTF8.self).components(separatedBy: "\r\n")
            let status = Int(head[0].split(separator: " ")[1])!
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0")!
            let bodyStart = end! + 4
            while buffer.count < bodyStart + length {
                guard fill() else { return nil }
            }
            let body = String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self)
            buffer.removeFirst(bodyStart + length)
            return Response(status: status, headers: headers, body: body)
        }

        /// Everything the server sends until it closes the connection, as text.
        func untilClosed() -> String {
            while fill() {}
            defer { buffer.removeAll() }
            return String(decoding: buffer, as: UTF8.self)
        }

        /// Whether the server closed the connection with nothing more to read.
        func closedByServer() -> Bool {
            buffer.isEmpty && !fill()
        }
    }

    /// `callgate simulate` and `callgate serve` in front of it, each in a process of its own.
    struct Running {
        let simulator: WebhookCrashTests.Running
        let serve: WebhookCrashTests.Running
        let simulatorURL: String
        let port: Int
        /// Where the gateway's log goes (`--log-level warning`).
        let log: URL
        /// A Manager's key, and a Sysadmin's (for the audit trail).
        let key: String
        let adminKey: String
    }

    /// `arguments`: more settings for `callgate serve`.
    func start(in directory: URL, arguments: [String] = []) async throws -> Running {
        let keys = directory.appendingPathComponent("keys.yaml").path
        let created = try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file", keys], stdin: "")
        try #require(created.status == 0)
        let admin = try await CLI.run(["keys", "create", "--name", "ops", "--role", "Sysadmin", "--file", keys], stdin: "")
        try #require(admin.status == 0)
        let crash = try WebhookCrashTests()
        let simulatorPort = try ServeCommandTests.freePort()
        let simulator = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        let simulatorURL = "http://127.0.0.1:\(simulatorPort)"
        try await crash.waitUntilUp(simulatorURL + "/_sim/clock")
        let port = try ServeCommandTests.freePort()
        let serve = try WebhookCrashTests.Running([
            "serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--log-level", "warning",
            "--store", "sqlite:" + directory.appendingPathComponent("audit.sqlite").path,
            "--audit-key-file", directory.appendingPathComponent("audit.key").path,
            "--upstream-url", simulatorURL, "--upstream-access-token", "sim-access-token",
            "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password"] + arguments,
            // Proxies named by the environment are ignored: LiveVox is reached directly, or nothing
            // here would be answered (this one refuses every connection).
            environment: ["http_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                          "ALL_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""],
            log: directory.appendingPathComponent("serve.log"))
        try await crash.waitUntilUp("http://127.0.0.1:\(port)/readyz")
        return Running(simulator: simulator, serve: serve, simulatorURL: simulatorURL, port: port,
                       log: directory.appendingPathComponent("serve.log"),
                       key: created.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                       adminKey: admin.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Adds a fault rule (the simulator's `/_sim/faults` JSON) to the running simulator.
    func injectFault(_ rule: String, into running: Running) async throws {
        let fault = try await WebhookCrashTests().call(
            "POST", running.simulatorURL + "/_sim/faults",
            headers: [HTTPHeaderField(name: "Content-Type", value: "application/json")], body: Array(rule.utf8))
        try #require(fault.status == 201)
    }

    /// Runs `body` against a fresh pair of processes in a temporary directory, removed afterwards.
    func withServe(arguments: [String] = [], _ body: (Running) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(try await start(in: directory, arguments: arguments))
    }

    @Test("Pipelined requests sent in one write are answered in order, each whole, and the connection stays open")
    func pipelinedInOrder() async throws {
        try await withServe { running in
            let invalid = #"{"calls": [{"phone": "555"}]}"#
            let connection = try Connection(port: running.port)
            // The first one waits for LiveVox while the others are already read.
            connection.send(
                "GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n"
                + "POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(invalid.utf8.count)\r\n\r\n\(invalid)"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /no/such/path HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n")
            let answers = (0..<4).compactMap { _ in connection.next() }
            #expect(answers.map(\.status) == [200, 422, 200, 404])
            #expect(answers.first?.body.contains(#""serviceId":21429"#) == true)
            #expect(answers[safe: 1]?.body.contains("/calls/0/phone") == true)
            #expect(answers[safe: 2]?.body == #"{"status":"ok"}"#)
            #expect(Set(answers.compactMap { $0.headers["x-request-id"] }).count == 4)
            // Still usable afterwards.
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.next()?.status == 200)
        }
    }

    @Test("Hundreds of requests pipelined behind one that waits for LiveVox are answered in order, each its own, and the connection stays open")
    func longPipelineBehindUpstream() async throws {
        try await withServe { running in
            let connection = try Connection(port: running.port)
            let count = 400
            // The first request is started at once and waits for LiveVox; the others queue behind it
            // and are started one after another as each answer ends, most answered without waiting.
            let pipelined = (0..<count).map { index in
                index % 2 == 0 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" : "GET /no/such/path/\(index) HTTP/1.1\r\nHost: x\r\n\r\n"
            }
            connection.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n"
                            + pipelined.joined())
            let answers = (0...count).compactMap { _ in connection.next() }
            // Unrouted requests without a key count as failed authentications: past 30 in a minute
            // from one address they are answered 429 too_many_failed_authentications.
            let expected: [Int] = (0..<count).map { index in index % 2 == 0 ? 200 : (index / 2 < 30 ? 404 : 429) }
            #expect(answers.map(\.status) == [200] + expected)
            #expect(answers.first?.body.contains(#""serviceId":21429"#) == true)
            let misplaced = answers.indices.dropFirst().filter { position in
                let index = position - 1
                return index % 2 == 1 && !answers[position].body.contains("/no/such/path/\(index)\"")
            }
            #expect(misplaced.isEmpty, "404 and 429 answers not naming their own request: \(misplaced.prefix(5))")
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.next()?.status == 200)
        }
    }

    @Test("The metrics count the calls to LiveVox in flight while one waits on it, and none after")
    func upstreamLoadGauges() async throws {
        try await withServe { running in
            try await injectFault(#"{"kind": "latency", "latencyMilliseconds": 3000, "pathPrefix": "/callControl", "count": 1}"#, into: running)
            func gauges() -> [String] {
                let scrape = try? Connection(port: running.port)
                scrape?.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                let lines = scrape?.next()?.body.split(separator: "\n").map(String.init) ?? []
                return lines.filter { $0.hasPrefix("callgate_upstream_in_flight ") || $0.hasPrefix("callgate_upstream_waiting ") }.sorted()
            }
            let call = try Connection(port: running.port)
            call.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n")
            // Scraped until the call is seen in flight (LiveVox holds it for 3 s), then until it is not.
            func eventually(_ expected: [String], within seconds: Int) async throws -> [String] {
                let deadline = ContinuousClock.now + .seconds(seconds)
                var seen = gauges()
                while seen != expected, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    seen = gauges()
                }
                return seen
            }
            #expect(try await eventually(["callgate_upstream_in_flight 1.0", "callgate_upstream_waiting 0.0"], within: 2)
                == ["callgate_upstream_in_flight 1.0", "callgate_upstream_waiting 0.0"])
            #expect(call.next()?.status == 200)
            #expect(try await eventually(["callgate_upstream_in_flight 0.0", "callgate_upstream_waiting 0.0"], within: 5)
                == ["callgate_upstream_in_flight 0.0", "callgate_upstream_waiting 0.0"])
        }
    }

    @Test("Connection: close in the middle of a pipeline: that answer says so and is the last one")
    func closeMidPipeline() async throws {
        try await withServe { running in
            let connection = try Connection(port: running.port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                            + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = connection.next(), second = connection.next()
            #expect(first?.status == 200)
            #expect(first?.headers["connection"] == nil)
            #expect(second?.status == 200)
            #expect(second?.headers["connection"] == "close")
            #expect(connection.closedByServer())
        }
    }

    @Test("Bytes that are not HTTP after a pipelined request: that request is answered first, then 400 and the connection closes")
    func malformedAfterPipelined() async throws {
        try await withServe { running in
            let connection = try Connection(port: running.port)
            connection.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n"
                            + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                            + "HELLO THERE\r\n\r\n")
            let answers = (0..<3).compactMap { _ in connection.next() }
            #expect(answers.map(\.status) == [200, 200, 400])
            #expect(answers[safe: 2]?.headers["connection"] == "close")
            #expect(connection.closedByServer())

            // Alone on a fresh connection: 400 at once.
            let alone = try Connection(port: running.port)
            alone.send("HELLO THERE\r\n\r\n")
            #expect(alone.next()?.status == 400)
            #expect(alone.closedByServer())
        }
    }

    @Test("A body whose chunked framing breaks off: 400 saying so, with Connection: close, then the connection closes")
    func brokenChunkedBody() async throws {
        try await withServe { running in
            let connection = try Connection(port: running.port)
            connection.send("POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n"
                            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\n{\"cal\r\nZZ\r\nls\": []}\r\n0\r\n\r\n")
            let answer = connection.next()
            #expect(answer?.status == 400)
            #expect(answer?.headers["connection"] == "close")
            #expect(answer?.headers["content-type"] == "application/problem+json")
            #expect(answer?.body.contains("framing is broken") == true)
            #expect(connection.closedByServer())
        }
    }

    @Test("Answers are framed exactly: status line, Content-Length, HEAD and 204 without a body, HTTP/1.0 with and without keep-alive")
    func framing() async throws {
        try await withServe { running in
            // HTTP/1.1: status line with its reason phrase, the body's exact length, the connection kept.
            let connection = try Connection(port: running.port)
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n")
            connection.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let raw = connection.untilClosed()
            let ok = #"{"status":"ok"}"#
            #expect(raw.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(raw.contains("\r\nContent-Length: \(ok.utf8.count)\r\n\r\n\(ok)HTTP/1.1 404 Not Found\r\n"))
            // The HEAD answer: same head as the GET (its length included), nothing after it.
            let head = try #require(raw.range(of: "HTTP/1.1 200 OK\r\n", options: .backwards))
            let headText = String(raw[head.lowerBound...])
            #expect(headText.contains("\r\nContent-Length: \(ok.utf8.count)\r\n"))
            #expect(headText.contains("\r\nConnection: close\r\n"))
            #expect(headText.hasSuffix("\r\n\r\n"))
            #expect(!headText.contains(ok))

            // LiveVox's 204 relayed: no Content-Length and no body (RFC 9110 8.6), and the connection
            // goes on with the next request.
            let launch = #"{"callEntry": [{"phoneNumber": "415.205.7483", "dialingTimeout": "60"}]}"#
            let relayed = try Connection(port: running.port)
            relayed.send("POST /callControl/supervisor/calls/21429/LaunchManualCalls HTTP/1.1\r\nHost: x\r\n"
                         + "Authorization: Bearer \(running.key)\r\nContent-Type: application/json\r\n"
                         + "Content-Length: \(launch.utf8.count)\r\n\r\n\(launch)"
                         + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let noContent = relayed.next()
            #expect(noContent?.status == 204)
            #expect(noContent?.headers["content-length"] == nil)
            #expect(noContent?.headers["transfer-encoding"] == nil)
            #expect(relayed.next()?.body == ok)

            // HTTP/1.0 without keep-alive: answered in 1.0, then closed.
            let plain = try Connection(port: running.port)
            plain.send("GET /healthz HTTP/1.0\r\n\r\n")
            let first = plain.untilClosed()
            #expect(first.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(first.contains("\r\nConnection: close\r\n"))
            #expect(first.hasSuffix("\r\n\r\n" + ok))

            // HTTP/1.0 with keep-alive: the answer says so and the connection takes another request.
            let kept = try Connection(port: running.port)
            kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let answer = kept.next()
            #expect(answer?.status == 200)
            #expect(answer?.headers["connection"] == "keep-alive")
            kept.send("GET /healthz HTTP/1.0\r\n\r\n")
            #expect(kept.next()?.body == ok)
            #expect(kept.closedByServer())
        }
    }

    @Test("A streamed export is sent in chunks that decode to every record, ended by the last chunk; HTTP/1.0 gets it unframed")
    func streamedExportFraming() async throws {
        try await withServe { running in
            // Three audited requests to export.
            for _ in 0..<3 {
                let connection = try Connection(port: running.port)
                connection.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n")
                #expect(connection.next()?.status == 200)
            }
            let request = "/v1/audit?operation=get_queue_stats"
            let connection = try Connection(port: running.port)
            connection.send("GET \(request) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.adminKey)\r\n"
                            + "Accept: application/x-ndjson\r\nConnection: close\r\n\r\n")
            let raw = Array(connection.untilClosed().utf8)
            let blank = try #require((0...(raw.count - 4)).first { raw[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) })
            let head = String(decoding: raw[..<blank], as: UTF8.self)
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head.contains("\r\nTransfer-Encoding: chunked"))
            #expect(!head.lowercased().contains("content-length"))
            // Decode the chunks: size in hex, CRLF, that many bytes, CRLF; a zero size ends the body.
            var index = blank + 4, body: [UInt8] = [], ended = false
            while index < raw.count {
                let lineEnd = try #require((index..<(raw.count - 1)).first { raw[$0] == 13 && raw[$0 + 1] == 10 })
                let size = try #require(Int(String(decoding: raw[index..<lineEnd], as: UTF8.self), radix: 16))
                index = lineEnd + 2
                if size == 0 {
                    #expect(Array(raw[index...]) == [13, 10])
                    ended = true
                    break
                }
                body += raw[index..<(index + size)]
                #expect(Array(raw[(index + size)..<(index + size + 2)]) == [13, 10])
                index += size + 2
            }
            #expect(ended)
            let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.contains(#""operation":"get_queue_stats""#) })

            // HTTP/1.0 has no chunks: the same records as they are, and the end of the body is the close.
            let old = try Connection(port: running.port)
            old.send("GET \(request) HTTP/1.0\r\nAuthorization: Bearer \(running.adminKey)\r\nAccept: application/x-ndjson\r\n\r\n")
            let unframed = old.untilClosed()
            #expect(unframed.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(!unframed.contains("Transfer-Encoding"))
            #expect(unframed.contains("\r\nConnection: close\r\n"))
            let records = unframed.components(separatedBy: "\r\n\r\n").dropFirst().joined().split(separator: "\n")
            #expect(records.count == 3)
        }
    }

    @Test("A request's log lines carry its request id and principal: LiveVox failing is logged with the id the client was answered with")
    func requestIdInLog() async throws {
        try await withServe { running in
            try await injectFault(#"{"kind": "error", "status": 500, "pathPrefix": "/callControl"}"#, into: running)
            var ids: [String] = []
            for given in ["crm-7.trace", nil] {
                let connection = try Connection(port: running.port)
                connection.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n"
                                + (given.map { "X-Request-ID: \($0)\r\n" } ?? "") + "\r\n")
                let answer = try #require(connection.next())
                #expect(answer.status == 502)
                ids.append(try #require(answer.headers["x-request-id"]))
            }
            #expect(ids[0] == "crm-7.trace")
            // The log is written as it happens; give the second line a moment to land.
            var lines: [Substring] = []
            for _ in 0..<50 {
                let log = try String(contentsOf: running.log, encoding: .utf8)
                lines = log.split(separator: "\n").filter { $0.contains("LiveVox operation failed") }
                if lines.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(lines.count == 2)
            for (line, id) in zip(lines, ids) {
                #expect(line.contains(" request.id=\(id) "), "\(line)")
                #expect(line.contains(" principal=crm "), "\(line)")
                #expect(line.contains(" upstream.operation=queueStats"), "\(line)")
            }
        }
    }

    @Test("SIGTERM drains: a request waiting on LiveVox is answered (with Connection: close), an idle connection is closed, exit 0")
    func gracefulDrain() async throws {
        // No drain delay: the port closes at once (the delay has its own tests, in ShutdownDrainTests).
        try await withServe(arguments: ["--shutdown-drain-seconds", "0"]) { running in
            try await injectFault(#"{"kind": "latency", "latencyMilliseconds": 1500, "pathPrefix": "/callControl"}"#, into: running)

            let idle = try Connection(port: running.port)
            idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(idle.next()?.status == 200)
            let busy = try Connection(port: running.port)
            busy.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(running.key)\r\n\r\n")
            try await Task.sleep(for: .milliseconds(500))

            let process = running.serve.process
            kill(process.processIdentifier, SIGTERM)
            #expect(idle.closedByServer())
            let answer = busy.next()
            #expect(answer?.status == 200)
            #expect(answer?.headers["connection"] == "close")
            #expect(busy.closedByServer())
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
        }
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
