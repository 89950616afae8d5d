import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What hostile clients can hold of `callgate serve`, over raw sockets: connections that trickle a
/// head, that half-close, that pile up past the cap, that announce bodies nobody will read.
@Suite("Connection limits and timeouts of callgate serve (the binary, raw sockets)", .serialized)
struct ConnectionLimitsTests {
    /// A TCP connection to 127.0.0.1; reads wait at most the time they are given.
    final class Socket {
        let fd: Int32
        private var bytes: [UInt8] = []
        /// The server closed the connection (end of stream, or reset).
        private(set) var closed = false
        /// When `connect` returned: the server accepted the connection no earlier.
        private(set) var connectedAt = ContinuousClock.now
        /// When a read first saw the connection closed: no earlier than the server closed it.
        private(set) var closedSeenAt: ContinuousClock.Instant?

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port)).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
            connectedAt = .now
        }

        deinit { close(fd) }

        /// What was received so far, as text.
        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// Sends what the socket takes of `text` now, without waiting.
        func send(_ text: String) {
            _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }

        /// Closes the sending side: the server reads the end of the input.
        func shutdownWrite() {
            shutdown(fd, Int32(SHUT_WR))
        }

        /// Reads for at most `timeout`, until `done` says so of the text or the server closes;
        /// returns whether it closed.
        @discardableResult
        func read(within timeout: Duration, until done: (String) -> Bool = { _ in false }) -> Bool {
            let deadline = ContinuousClock.now + timeout
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while !closed, !done(text) {
                let left = ContinuousClock.now.duration(to: deadline)
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, Int32(max(left / .milliseconds(1), 0))) > 0 else {
                    if ContinuousClock.now >= deadline { break }
                    continue
                }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else {
                    closed = true
                    closedSeenAt = .now
                    break
                }
                bytes.append(contentsOf: chunk[..<count])
            }
            return closed
        }
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

    /// Lets this process hold the test's sockets: its soft open-file limit raised to the hard one.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(resource, &limit)
    }

    @Test("500 connections trickling a head a byte a second and 50 half-closed ones: a normal client is answered within 1 s throughout, the trickling ones get 408 and are closed after the read timeout, the half-closed ones once answered")
    func tricklingAndHalfClosed() async throws {
        Self.raiseOpenFileLimit()
        try await HTTPConnectionTests().withServe(arguments: ["--http-read-timeout-seconds", "2"]) { running in
            let port = running.port
            // About 5 s of socket work, off the cooperative threads.
            let outcome = try await offPool { () throws -> (slowest: Duration, unanswered: Int, closedEarly: Int, timedOut: Int, answered: Int, closing: Bool) in
                let started = ContinuousClock.now
                let trickling = try (0..<500).map { _ in try Socket(port: port) }
                let halfClosed = try (0..<50).map { _ in try Socket(port: port) }
                for socket in halfClosed {
                    socket.send(Self.healthz)
                    socket.shutdownWrite()
                }
                let head = Array(Self.healthz)
                var slowest = Duration.zero, second = 0, unanswered = 0
                while ContinuousClock.now < started + .seconds(4) {
                    // Every turn looks for closes, so that each is seen close to when it happened (when
                    // this thread runs on time; a late turn only sees it later, never earlier).
                    for socket in trickling { socket.read(within: .zero) }
                    if started.duration(to: .now) >= .seconds(second) {
                        for socket in trickling where !socket.closed { socket.send(String(head[second])) }
                        second += 1
                    }
                    let asked = ContinuousClock.now
                    let client = try Socket(port: port)
                    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    client.read(within: .seconds(3))
                    if !client.text.hasPrefix("HTTP/1.1 200 OK\r\n") { unanswered += 1 }
                    slowest = max(slowest, asked.duration(to: .now))
                    Thread.sleep(forTimeInterval: 0.1)
                }
                // None was closed before the read timeout: a close is seen no earlier than it happened,
                // and the server's deadline counts from its accept, which is no earlier than `connect`.
                let closedEarly = trickling.filter { socket in socket.closedSeenAt.map { socket.connectedAt.duration(to: $0) < .seconds(2) } ?? false }.count
                let timedOut = trickling.filter { $0.read(within: .seconds(1)) && $0.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n") }.count
                let answered = halfClosed.filter { $0.read(within: .seconds(1)) && $0.text.hasPrefix("HTTP/1.1 200 OK\r\n") }.count
                let closing = halfClosed.first?.text.contains("\r\nConnection: close\r\n") == true
                return (slowest, unanswered, closedEarly, timedOut, answered, closing)
            }
            #expect(outcome.unanswered == 0, "normal clients not answered 200")
            #expect(outcome.slowest < .seconds(1), "the slowest answer to a normal client took \(outcome.slowest)")
            #expect(outcome.closedEarly == 0, "trickling connections closed before the 2 s read timeout")
            #expect(outcome.timedOut == 500)
            #expect(outcome.answered == 50)
            #expect(outcome.closing)
        }
    }

    @Test("Past --http-max-connections (5) a new connection is closed at once and counted; a freed place takes the next one")
    func maxConnections() async throws {
        try await HTTPConnectionTests().withServe(arguments: ["--http-max-connections", "5"]) { running in
            // The readiness probe's own connection is gone first.
            try await Task.sleep(for: .milliseconds(300))
            let open = try (0..<5).map { _ in try Socket(port: running.port) }
            for socket in open {
                socket.send(Self.healthz)
                socket.read(within: .seconds(2)) { $0.hasSuffix(#"{"status":"ok"}"#) }
                #expect(socket.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            }
            let sixth = try Socket(port: running.port)
            let asked = ContinuousClock.now
            #expect(sixth.read(within: .seconds(2)))
            #expect(asked.duration(to: .now) < .milliseconds(500))
            #expect(sixth.text == "")

            open[0].send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(open[0].read(within: .seconds(2)))
            let metrics = open[0].text.split(separator: "\n")
            func value(_ name: String) -> Double? {
                metrics.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
            }
            #expect(value("callgate_http_connections_rejected_total") == 1)
            #expect(value("callgate_http_connections_open") == 5)

            // open[0] is closed now: its place takes a new connection.
            var next = try Socket(port: running.port)
            for _ in 0..<20 where next.read(within: .milliseconds(20)) {
                next = try Socket(port: running.port)
            }
            next.send(Self.healthz)
            next.read(within: .seconds(2)) { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(next.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        }
    }

    @Test("Expect: 100-continue: an unauthenticated request gets its 401 without a 100 and the connection closes; an authorized one gets 100, then its answer")
    func expectContinue() async throws {
        try await HTTPConnectionTests().withServe { running in
            let body = #"{"calls":[]}"#
            let head = "POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n"
            let anonymous = try Socket(port: running.port)
            anonymous.send(head + "\r\n")
            #expect(anonymous.read(within: .seconds(2)))
            #expect(anonymous.text.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
            #expect(anonymous.text.contains("\r\nConnection: close\r\n"))

            let authorized = try Socket(port: running.port)
            authorized.send(head + "Authorization: Bearer \(running.key)\r\n\r\n")
            authorized.read(within: .seconds(2)) { $0.hasSuffix("\r\n\r\n") }
            #expect(authorized.text == "HTTP/1.1 100 Continue\r\n\r\n")
            authorized.send(body)
            authorized.read(within: .seconds(2)) { $0.hasSuffix("}") }
            #expect(authorized.text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 422 Unprocessable Entity\r\n"))
            #expect(!authorized.closed)
        }
    }

    @Test("Requests announcing 10 MiB bodies refused with 401: each answered at once with Connection: close and closed, the bodies never buffered")
    func refusedBodiesNotBuffered() async throws {
        try await HTTPConnectionTests().withServe { running in
            let pid = running.serve.process.processIdentifier
            let head = "POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(10 << 20)\r\n\r\n"
            let warmUp = try Socket(port: running.port)
            warmUp.send(head)
            #expect(warmUp.read(within: .seconds(2)))
            let baseline = try HostileBodyTests.peakMemory(of: pid)
            let megabyte = String(repeating: "x", count: 1 << 20)
            let sockets = try (0..<20).map { _ in try Socket(port: running.port) }
            for socket in sockets {
                socket.send(head)
                socket.send(megabyte)
            }
            for socket in sockets {
                #expect(socket.read(within: .seconds(5)))
                #expect(socket.text.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
                #expect(socket.text.contains("\r\nConnection: close\r\n"))
            }
            let growth = try HostileBodyTests.peakMemory(of: pid) - baseline
            #expect(growth < 8 << 20, "peak memory grew by \(growth >> 10) KiB")
        }
    }
}
