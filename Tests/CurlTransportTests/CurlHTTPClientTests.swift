#if canImport(Glibc)
import Glibc
#endif
import Testing
import CurlTransport

/// Every test starts its own loopback server and client and stops both; none waits longer than a
/// few seconds.
@Suite("CurlHTTPClient against a real loopback HTTP server")
struct CurlHTTPClientTests {
    /// Runs `body` with a fresh server and a client made with `configuration`, then shuts both down.
    func withClient<T>(
        _ configuration: CurlHTTPClient.Configuration = .init(maxConnectionsPerHost: 4),
        _ body: (TestHTTPServer, CurlHTTPClient) async throws -> T
    ) async throws -> T {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: configuration)
            let result = try await body(server, client)
            await client.shutdown(gracePeriod: .seconds(1))
            return result
        }
    }

    /// The error `execute` throws, or `nil` when it answers.
    func failure(_ client: CurlHTTPClient, _ request: HTTPRequestSpec) async -> CurlTransportError? {
        do {
            _ = try await client.execute(request)
            return nil
        } catch {
            return error
        }
    }

    @Test("1000 requests in flight all complete over no more connections than the per-host cap")
    func thousandInFlight() async throws {
        try await withClient(.init(maxConnectionsPerHost: 8)) { server, client in
            let answers = try await withThrowingTaskGroup(of: (Int, String, Bool).self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let response = try await client.execute(HTTPRequestSpec(
                            method: "POST", url: server.url("/echo"), body: Array("\(index)".utf8)))
                        return (index, String(decoding: response.body, as: UTF8.self), response.reusedConnection)
                    }
                }
                var answers: [(Int, String, Bool)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            #expect(answers.count == 1000)
            #expect(answers.allSatisfy { "\($0.0)" == $0.1 })
            #expect(server.acceptedConnections >= 1)
            #expect(server.acceptedConnections <= 8)
            #expect(answers.filter(\.2).count >= 1000 - 8)
        }
    }

    @Test("A refused connection fails as connectionRefused and is known never sent")
    func connectionRefused() async throws {
        // Bound but not listening: the port stays ours and every connect to it is refused.
        let (socket, port) = LoopbackSockets.bound(listenBacklog: nil)
        defer { close(socket) }
        let client = try CurlHTTPClient(configuration: .init())
        let error = await failure(client, HTTPRequestSpec(method: "POST", url: "http://127.0.0.1:\(port)/", body: [1, 2, 3]))
        #expect(error?.code == .connectionRefused)
        #expect(error?.requestNeverSent == true)
        await client.shutdown(gracePeriod: .zero)
    }

    @Test("A connection that is not accepted within the connect timeout fails as connectTimeout, never sent")
    func connectTimeout() async throws {
        // A listener with a full accept queue: the kernel drops further SYNs, so connect hangs.
        let (listener, port) = LoopbackSockets.bound(listenBacklog: 0)
        let fillers = (0..<3).map { _ in LoopbackSockets.connectWithoutWaiting(port: port) }
        defer { (fillers + [listener]).forEach { close($0) } }
        try await Task.sleep(for: .milliseconds(100))
        let client = try CurlHTTPClient(configuration: .init(connectTimeout: .milliseconds(300)))
        let started = ContinuousClock.now
        let error = await failure(client, HTTPRequestSpec(url: "http://127.0.0.1:\(port)/", timeout: .seconds(20)))
        #expect(error?.code == .connectTimeout)
        #expect(error?.requestNeverSent == true)
        // Ended by the connect timeout, long before the request's own 20 s (the bound leaves room
        // for a machine loaded by the suites running alongside).
        #expect(ContinuousClock.now - started < .seconds(15))
        await client.shutdown(gracePeriod: .zero)
    }

    @Test("A response slower than the request's timeout fails as timedOut and may have been sent")
    func totalTimeout() async throws {
        try await withClient { server, client in
            let started = ContinuousClock.now
            let error = await failure(client, HTTPRequestSpec(url: server.url("/slow?ms=20000"), timeout: .milliseconds(300)))
            #expect(error?.code == .timedOut)
            #expect(error?.requestNeverSent == false)
            // Ended by the timeout, long before the slow answer (20 s) would have come.
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test("A request that waits for a slot past its timeout fails as queueTimeout, never sent")
    func queueTimeout() async throws {
        try await withClient(.init(maxConnectionsPerHost: 1)) { server, client in
            async let slow = client.execute(HTTPRequestSpec(url: server.url("/slow?ms=12000")))
            try await server.waitForRequests(1)
            let started = ContinuousClock.now
            let error = await failure(client, HTTPRequestSpec(url: server.url("/hello"), timeout: .milliseconds(200)))
            #expect(error?.code == .queueTimeout)
            #expect(error?.requestNeverSent == true)
            // It failed while the slot was still taken: well before the slow answer (12 s) freed it.
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try await slow.status == 200)
        }
    }

    @Test("Cancelling a slow request ends it at once and frees its slot for the next")
    func cancellation() async throws {
        try await withClient(.init(maxConnectionsPerHost: 1)) { server, client in
            let slow = Task { await failure(client, HTTPRequestSpec(url: server.url("/slow?ms=20000"))) }
            try await server.waitForRequests(1)
            let cancelledAt = ContinuousClock.now
            slow.cancel()
            let error = await slow.value
            #expect(error?.code == .cancelled)
            #expect(error?.requestNeverSent == false)
            let next = try await client.execute(HTTPRequestSpec(url: server.url("/hello")))
            #expect(next.status == 200)
            // Both happened long before the slow answer (20 s) would have come: the cancellation freed the slot.
            #expect(ContinuousClock.now - cancelledAt < .seconds(15))
        }
    }

    @Test("A task cancelled before it calls execute fails as cancelled, never sent")
    func cancelledBeforeStart() async throws {
        try await withClient { server, client in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await failure(client, HTTPRequestSpec(url: server.url("/hello")))
            }
            let error = await task.value
            #expect(error?.code == .cancelled)
            #expect(error?.requestNeverSent == true)
            #expect(server.acceptedConnections == 0)
        }
    }

    @Test("Response bodies over the limit are refused with responseTooLarge; bodies at the limit pass",
          arguments: [(10_000, false, true), (10_000, true, true), (10_001, false, false), (100_000, true, false)])
    func responseSizeLimit(bytes: Int, chunked: Bool, accepted: Bool) async throws {
        try await withClient(.init(maxResponseBodySize: 10_000)) { server, client in
            let request = HTTPRequestSpec(url: server.url("/big?bytes=\(bytes)&chunked=\(chunked ? 1 : 0)"))
            if accepted {
                let response = try await client.execute(request)
                #expect(response.body.count == bytes)
            } else {
                let error = await failure(client, request)
                #expect(error?.code == .responseTooLarge)
                #expect(error?.detail == "The response body exceeded the limit of 10000 bytes.")
                #expect(error?.requestNeverSent == false)
            }
        }
    }

    @Test("A POST body of 200 KB comes back byte for byte, without curl's form type or Expect")
    func postRoundTrip() async throws {
        try await withClient { server, client in
            let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let response = try await client.execute(HTTPRequestSpec(method: "POST", url: server.url("/echo"), body: body))
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.header("X-Method") == "POST")
            #expect(response.header("X-Content-Type") == "none")
            #expect(response.header("X-Expect") == "none")
        }
    }

    @Test("Header lines arrive as given on one reused handle: several, an empty value, a long one, the caller's Content-Type")
    func headerLines() async throws {
        try await withClient(.init(maxConnectionsPerHost: 1, maxConcurrentTransfers: 1)) { server, client in
            let long = String(repeating: "v", count: 3000)
            let first = try await client.execute(HTTPRequestSpec(
                method: "POST", url: server.url("/echo"),
                headers: [HTTPHeaderField(name: "X-Test-A", value: "1"), HTTPHeaderField(name: "X-Test-Empty", value: ""),
                          HTTPHeaderField(name: "X-Test-Long", value: long),
                          HTTPHeaderField(name: "Content-Type", value: "application/json")],
                body: Array("{}".utf8)))
            #expect(first.header("X-Test-A") == "1")
            #expect(first.header("X-Test-Empty") == "")
            #expect(first.header("X-Test-Long") == long)
            #expect(first.header("X-Content-Type") == "application/json")
            #expect(first.header("X-Expect") == "none")
            // The next requests on the handle carry only their own lines.
            let second = try await client.execute(HTTPRequestSpec(
                url: server.url("/echo"), headers: [HTTPHeaderField(name: "X-Test-B", value: "2")]))
            #expect(second.header("X-Test-B") == "2")
            #expect(second.header("X-Test-A") == nil)
            #expect(second.header("X-Test-Long") == nil)
            let third = try await client.execute(HTTPRequestSpec(url: server.url("/echo")))
            #expect(third.header("X-Test-B") == nil)
            #expect(third.header("X-Content-Type") == "none")
        }
    }

    @Test("An urgent request takes the first free slot, ahead of the requests that waited longer")
    func urgentGoesFirst() async throws {
        try await withClient(.init(maxConnectionsPerHost: 1, maxConcurrentTransfers: 1)) { server, client in
            func send(_ path: String, urgent: Bool = false) -> Task<Void, any Error> {
                let url = server.url(path)
                return Task { _ = try await client.execute(HTTPRequestSpec(url: url, isUrgent: urgent)) }
            }
            // The one slot is taken for 3 s; three requests wait for it, then an urgent one. The
            // server's arrival order is the order the slot was given in. The urgent one is sent
            // once the client counts the three waiting (not after a fixed pause, which a busy
            // test pool can outlast before the three are queued).
            let first = send("/slow?ms=3000")
            try await server.waitForRequests(1)
            let waiting = ["b", "c", "d"].map { send("/echo?name=\($0)") }
            #expect(try await eventually { client.load == (1, 3) }, "load \(client.load)")
            let urgent = send("/echo?name=urgent", urgent: true)
            for task in [first, urgent] + waiting { try await task.value }
            let order = server.receivedURIs
            #expect(order.prefix(2) == ["/slow?ms=3000", "/echo?name=urgent"])
            #expect(Set(order.dropFirst(2)) == ["/echo?name=b", "/echo?name=c", "/echo?name=d"])
            #expect(server.acceptedConnections == 1)
        }
    }

    @Test("The load counts the transfers running and the requests waiting for a slot, and falls back to nothing")
    func load() async throws {
        try await withClient(.init(maxConnectionsPerHost: 1, maxConcurrentTransfers: 1)) { server, client in
            #expect(client.load == (0, 0))
            // The slot is taken for 3 s; two quick requests wait behind it.
            let slow = server.url("/slow?ms=3000"), quick = server.url("/hello")
            var tasks = [Task { _ = try await client.execute(HTTPRequestSpec(url: slow)) }]
            try await server.waitForRequests(1)
            tasks += (0..<2).map { _ in Task { _ = try await client.execute(HTTPRequestSpec(url: quick)) } }
            #expect(try await eventually { client.load == (1, 2) }, "load \(client.load)")
            for task in tasks { try await task.value }
            #expect(try await eventually { client.load == (0, 0) }, "load \(client.load)")
        }
    }

    @Test("Each method is sent as given", arguments: ["GET", "POST", "PUT", "PATCH", "DELETE"])
    func methods(method: String) async throws {
        try await withClient { server, client in
            let response = try await client.execute(HTTPRequestSpec(method: method, url: server.url("/echo")))
            #expect(response.header("X-Method") == method)
            #expect(response.body.isEmpty)
        }
    }

    @Test("One reused handle carries nothing from one request to the next: method, body, headers")
    func handleReuse() async throws {
        // One transfer slot: every request runs on the same easy handle, which is never reset.
        try await withClient(.init(maxConnectionsPerHost: 1, maxConcurrentTransfers: 1)) { server, client in
            let steps: [(method: String, path: String, body: String, header: String?)] = [
                ("POST", "/echo", "first", "one"), ("GET", "/echo", "", nil), ("HEAD", "/hello", "", nil),
                ("GET", "/hello", "", nil), ("DELETE", "/echo", "", "two"), ("POST", "/echo", "", nil),
                ("PUT", "/echo", "put", nil), ("HEAD", "/hello", "", nil), ("PATCH", "/echo", "", nil),
                ("GET", "/echo", "", nil),
            ]
            for step in steps {
                let response = try await client.execute(HTTPRequestSpec(
                    method: step.method, url: server.url(step.path),
                    headers: step.header.map { [HTTPHeaderField(name: "X-Test-Step", value: $0)] } ?? [],
                    body: Array(step.body.utf8)))
                let expectedBody = step.path == "/hello" ? (step.method == "HEAD" ? "" : "hello") : step.body
                #expect(String(decoding: response.body, as: UTF8.self) == expectedBody, "\(step)")
                if step.path == "/echo" {
                    #expect(response.header("X-Method") == step.method, "\(step)")
                    #expect(response.header("X-Test-Step") == step.header, "\(step)")
                    #expect(response.header("X-Content-Type") == "none", "\(step)")
                }
            }
            #expect(server.acceptedConnections == 1)
        }
    }

    @Test("Request headers are sent as given and response headers come back as ordered pairs")
    func headers() async throws {
        try await withClient { server, client in
            let echoed = try await client.execute(HTTPRequestSpec(
                method: "POST", url: server.url("/echo"),
                headers: [
                    HTTPHeaderField(name: "X-Test-One", value: "1"),
                    HTTPHeaderField(name: "X-Test-Empty", value: ""),
                    HTTPHeaderField(name: "Content-Type", value: "application/json"),
                ],
                body: Array("{}".utf8)))
            #expect(echoed.header("x-test-one") == "1")
            #expect(echoed.header("X-Test-Empty") == "")
            #expect(echoed.header("X-Content-Type") == "application/json")
            let cookies = try await client.execute(HTTPRequestSpec(url: server.url("/cookies")))
            #expect(cookies.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])
            #expect(cookies.version == .http1_1)
        }
    }

    @Test("A request whose reused connection closes unanswered is sent again only if its method is idempotent",
          arguments: [("POST", 1), ("PATCH", 1), ("GET", 2), ("PUT", 2)])
    func noResendOfNonIdempotent(method: String, timesReceived: Int) async throws {
        try await withClient(.init(maxConnectionsPerHost: 1)) { server, client in
            let warmUp = try await client.execute(HTTPRequestSpec(url: server.url("/hello")))
            #expect(warmUp.status == 200)
            let error = await failure(client, HTTPRequestSpec(method: method, url: server.url("/drop"), body: [1]))
            #expect(error?.code == .connectionLost)
            #expect(error?.requestNeverSent == false)
            #expect(server.droppedRequests == timesReceived)
        }
    }

    @Test("Redirects are returned to the caller, not followed")
    func redirectNotFollowed() async throws {
        try await withClient { server, client in
            let response = try await client.execute(HTTPRequestSpec(url: server.url("/redirect")))
            #expect(response.status == 302)
            #expect(response.header("Location") == "/hello")
        }
    }

    @Test("Schemes other than http and https are refused as invalidRequest, never sent",
          arguments: ["ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1/"])
    func otherSchemesRefused(url: String) async throws {
        let client = try CurlHTTPClient(configuration: .init())
        let error = await failure(client, HTTPRequestSpec(url: url))
        #expect(error?.code == .invalidRequest)
        #expect(error?.requestNeverSent == true)
        await client.shutdown(gracePeriod: .zero)
    }

    @Test("A TLS handshake that fails (https to a plain HTTP server) is connectFailed, never sent")
    func tlsHandshakeFailure() async throws {
        try await withClient { server, client in
            let error = await failure(client, HTTPRequestSpec(method: "POST", url: "https://127.0.0.1:\(server.port)/echo"))
            #expect(error?.code == .connectFailed)
            #expect(error?.requestNeverSent == true)
        }
    }

    @Test("Shutdown lets in-flight and queued requests finish, then refuses new ones as never sent")
    func shutdownDrains() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 2))
            let requests = (0..<6).map { _ in
                Task { try await client.execute(HTTPRequestSpec(url: server.url("/slow?ms=300"))).status }
            }
            // Two run; give the four queued behind them time to have been submitted too.
            try await server.waitForRequests(2)
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            await client.shutdown(gracePeriod: .seconds(30))
            // Ended when the last request finished, not at the 30 s deadline.
            #expect(ContinuousClock.now - started < .seconds(20))
            for request in requests { #expect(try await request.value == 200) }
            let refused = await failure(client, HTTPRequestSpec(url: server.url("/hello")))
            #expect(refused?.code == .shutdown)
            #expect(refused?.requestNeverSent == true)
        }
    }

    @Test("Shutdown abandons a transfer still running at the drain deadline")
    func shutdownDeadline() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init())
            let slow = Task { await failure(client, HTTPRequestSpec(url: server.url("/slow?ms=30000"))) }
            try await server.waitForRequests(1)
            let started = ContinuousClock.now
            await client.shutdown(gracePeriod: .milliseconds(200))
            // Ended at the drain deadline, long before the slow answer (30 s).
            #expect(ContinuousClock.now - started < .seconds(20))
            let error = await slow.value
            #expect(error?.code == .shutdown)
            #expect(error?.requestNeverSent == false)
        }
    }

    @Test("Unusable settings are refused when the client is made")
    func invalidConfiguration() {
        #expect(throws: CurlTransportError.self) {
            try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 0))
        }
        #expect(throws: CurlTransportError.self) {
            try CurlHTTPClient(configuration: .init(tls: .init(caFile: "/nonexistent/ca.pem")))
        }
    }
}
