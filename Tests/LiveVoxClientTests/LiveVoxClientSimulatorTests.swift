import CallGateCore
import CurlTransport
import Logging
import LiveVoxSimulator
import Testing
@testable import LiveVoxClient

/// The client over the real curl transport against the LiveVox simulator on a loopback port.
@Suite("LiveVoxClient over curl against the simulator")
struct LiveVoxClientSimulatorTests {
    /// A running simulator, a curl client and a LiveVox client on it; `close()` stops them.
    struct Stack {
        let running: RunningSimulator
        let curl: CurlHTTPClient
        let client: LiveVoxClient
        var simulator: LiveVoxSimulator { running.simulator }

        static func start(
            pathPrefix: String = "", password: String = SimulatorConfiguration.defaultPassword,
            retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
            breaker: CircuitBreakerStateMachine.Configuration = .init(),
            baseURL: String? = nil, maxConnections: Int = 16
        ) async throws -> Stack {
            let running = try await LiveVoxSimulator.start(configuration: .init(randomSeed: 1), logger: quietLogger)
            let curl = try CurlHTTPClient(configuration: .init(
                maxConnectionsPerHost: maxConnections, connectTimeout: .seconds(2), requestTimeout: .seconds(5)))
            let configuration = LiveVoxClientConfiguration(
                baseURL: baseURL ?? running.baseURL, pathPrefix: pathPrefix,
                accessToken: SimulatorConfiguration.defaultAccessToken,
                credentials: LoginRequest(
                    clientName: SimulatorConfiguration.defaultClientName,
                    userName: SimulatorConfiguration.defaultUserName, password: password),
                retry: retry, circuitBreaker: breaker)
            let client = LiveVoxClient(configuration: configuration, transport: curl, jitterSeed: 5, logger: quietLogger)
            return Stack(running: running, curl: curl, client: client)
        }

        /// Starts a stack, runs `body` with it, and closes it whether `body` throws or not.
        static func with(
            pathPrefix: String = "", password: String = SimulatorConfiguration.defaultPassword,
            retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(20), maxDelay: .milliseconds(100)),
            breaker: CircuitBreakerStateMachine.Configuration = .init(),
            baseURL: String? = nil, maxConnections: Int = 16,
            _ body: (Stack) async throws -> Void
        ) async throws {
            let stack = try await start(pathPrefix: pathPrefix, password: password, retry: retry, breaker: breaker, baseURL: baseURL,
                                        maxConnections: maxConnections)
            do {
                try await body(stack)
            } catch {
                await stack.close()
                throw error
            }
            await stack.close()
        }

        func close() async {
            await client.logout()
            await curl.shutdown(gracePeriod: .seconds(1))
            await running.shutdown()
        }

        func requests(pathSuffix: String) -> [RecordedRequest] {
            simulator.requests.filter { $0.path.hasSuffix(pathSuffix) }
        }
    }

    /// The tests' retry policy with 30 s per attempt, for tests that queue many calls.
    static let patientRetry = RetryPolicy(
        baseDelay: .milliseconds(20), maxDelay: .milliseconds(100), totalDeadline: .seconds(60), attemptTimeout: .seconds(30))

    static let quietLogger = Logger(label: "LiveVoxClientSimulatorTests") { _ in SwiftLogNoOpLogHandler() }

    @Test("The four operations reach the simulator and come back with the upstream's bytes and models")
    func fourOperations() async throws {
        try await Stack.with { (stack: Stack) async throws in
            let stats = try await stack.client.queueStats(serviceId: 21429)
            #expect(stats.status == 200)
            #expect(stats.contentType?.hasPrefix("application/json") == true)
            #expect(try stats.model() == stack.simulator.queueStats(serviceId: 21429))

            let launch = try await stack.client.launchManualCalls(
                serviceId: 21429, LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4152057483", account: "123456")]))
            #expect(launch.status == 204)
            #expect(stack.simulator.launches.map(\.entry.phoneNumber) == ["4152057483"])

            let callback = try await stack.client.scheduleCallback(
                serviceId: 112231, ScheduleCallbackRequest(phoneNumber: "4158149720", account: "1234"))
            #expect(callback.status == 204)
            #expect(stack.simulator.callbacks.map(\.request.phoneNumber) == ["4158149720"])

            let nonAttempted = try await stack.client.nonAttemptedManualCalls(serviceId: 50123)
            #expect(nonAttempted.status == 200)
            #expect(try nonAttempted.model().nonAttemptedManualCalls.isEmpty)

            #expect(stack.requests(pathSuffix: "/session/login").count == 1)
            let sessionHeaders = stack.simulator.requests.filter { !$0.path.hasSuffix("/login") }.map { $0.header("LV-Session") }
            #expect(sessionHeaders.count == 4 && Set(sessionHeaders).count == 1 && sessionHeaders[0] != nil)
        }
    }

    @Test("A version prefix goes after the category, and the simulator answers on those paths")
    func versionPrefix() async throws {
        try await Stack.with(pathPrefix: "v6.0") { (stack: Stack) async throws in
            #expect(try await stack.client.queueStats(serviceId: 21429).status == 200)
            #expect(stack.simulator.requests.map(\.path) == ["/session/v6.0/login", "/callControl/v6.0/supervisor/calls/queue/21429"])
        }
    }

    @Test("A client error passes through with the simulator's body")
    func passThrough() async throws {
        try await Stack.with { (stack: Stack) async throws in
            let response = try await stack.client.queueStats(serviceId: 99999)
            #expect(response.status == 404)
            #expect(response.errorBody?.message != nil)
            #expect(response.attempts == 1)
        }
    }

    @Test("100 concurrent calls after the simulator expired every session log in exactly once more")
    func singleFlightAfterExpiry() async throws {
        // 100 calls through 16 connections queue for as long as 14 exchanges take: with the other
        // suites running, an exchange with the in-process simulator has taken over 300 ms, and the
        // default 5 s per attempt timed calls out (the breaker then opened). Timeouts are not what
        // this test checks.
        try await Stack.with(retry: Self.patientRetry) { (stack: Stack) async throws in
            _ = try await stack.client.queueStats(serviceId: 21429)
            stack.simulator.expireAllSessions()
            let client = stack.client
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 { group.addTask { try await client.queueStats(serviceId: 21429).status } }
                for try await status in group { #expect(status == 200) }
            }
            #expect(stack.requests(pathSuffix: "/session/login").count == 2)
        }
    }

    @Test("With every connection busy, the new login goes ahead of the calls waiting for one")
    func loginJumpsTheQueue() async throws {
        // Two connections, 40 calls, each exchange 20 ms: 38 calls wait in the transport's queue with
        // the expired session, for at least 380 ms, while the first refusal brings on the login.
        // They may take 30 s: on a machine busy with other tests an exchange can take far longer
        // than here alone, and timeouts are not what is checked.
        try await Stack.with(retry: Self.patientRetry, maxConnections: 2) { (stack: Stack) async throws in
            _ = try await stack.client.queueStats(serviceId: 21429)
            let expired = try #require(stack.simulator.requests.last?.headers.first { $0.name.lowercased() == "lv-session" }?.value)
            _ = try stack.simulator.addFault(FaultRule(kind: .latency, pathPrefix: "/callControl", latencyMilliseconds: 20))
            stack.simulator.expireAllSessions()
            let before = stack.simulator.requests.count
            let client = stack.client
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 { group.addTask { try await client.queueStats(serviceId: 21429).status } }
                for try await status in group { #expect(status == 200) }
            }
            let after = Array(stack.simulator.requests.dropFirst(before))
            let logins = after.indices.filter { after[$0].path.hasSuffix("/session/login") }
            try #require(logins.count == 1)
            // Behind the queue, the login would come after every call sent with the expired
            // session; ahead of it, calls that had been waiting with that session still follow it.
            let staleAfterLogin = after[(logins[0] + 1)...].filter { request in
                request.headers.contains { $0.name.lowercased() == "lv-session" && $0.value == expired }
            }
            #expect(!staleAfterLogin.isEmpty, "the login was request \(logins[0] + 1) of \(after.count), after every expired call")
        }
    }

    @Test("A 429 with Retry-After is waited out and the GET succeeds on the next attempt")
    func retryAfter() async throws {
        try await Stack.with { (stack: Stack) async throws in
            _ = try stack.simulator.addFault(FaultRule(kind: .rateLimit, pathPrefix: "/callControl", count: 1, retryAfterSeconds: 1))
            let started = ContinuousClock.now
            let response = try await stack.client.queueStats(serviceId: 21429)
            #expect(response.status == 200)
            #expect(response.attempts == 2)
            #expect(ContinuousClock.now - started >= .seconds(1))
        }
    }

    @Test("A POST whose connection dropped after the simulator handled it is not replayed")
    func postNotReplayedAfterDrop() async throws {
        try await Stack.with { (stack: Stack) async throws in
            _ = try await stack.client.queueStats(serviceId: 21429)
            _ = try stack.simulator.addFault(FaultRule(kind: .drop, pathPrefix: "/callControl", method: "POST", count: 1, afterHandling: true))
            // On a reused connection that closes without an answer libcurl would resend the request
            // itself; CurlTransfer's pre-request hook refuses a second send of a POST.
            let error = await #expect(throws: LiveVoxError.self) {
                try await stack.client.launchManualCalls(
                    serviceId: 21429, LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4152057483")]))
            }
            #expect(error?.code == .upstreamConnectionLost)
            #expect(error?.attempts == 1)
            #expect(error?.upstreamMayHaveActed == true)
            #expect(stack.requests(pathSuffix: "/LaunchManualCalls").count == 1)
            #expect(stack.simulator.launches.count == 1)
        }
    }

    @Test("A POST to a port where nothing listens is replayed, because the connection was refused")
    func postReplayedAfterRefusal() async throws {
        let closed = try await LiveVoxSimulator.start(logger: Self.quietLogger)
        await closed.shutdown()
        try await Stack.with(retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10)), baseURL: closed.baseURL) { (stack: Stack) async throws in
            // The login, an idempotent POST, meets the refusal first; every attempt is refused.
            let error = await #expect(throws: LiveVoxError.self) {
                try await stack.client.scheduleCallback(serviceId: 112231, ScheduleCallbackRequest(phoneNumber: "4158149720"))
            }
            #expect(error?.code == .upstreamUnreachable)
            #expect(error?.gatewayStatus == 502)
            #expect(error?.transportFailure == .connectionRefused)
            #expect(error?.attempts == 3)
        }
    }

    @Test("Steady 503s exhaust the retries, then open the breaker, which answers at once")
    func breakerOpens() async throws {
        try await Stack.with(
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)),
            breaker: .init(failureThreshold: 4, openDuration: .seconds(30))
        ) { (stack: Stack) async throws in
            _ = try stack.simulator.addFault(FaultRule(kind: .error, pathPrefix: "/callControl", status: 503))
            for _ in 0..<2 {
                let error = await #expect(throws: LiveVoxError.self) { try await stack.client.queueStats(serviceId: 21429) }
                #expect(error?.code == .upstreamUnavailable)
                #expect(error?.upstreamStatus == 503)
                #expect(error?.attempts == 2)
            }
            let error = await #expect(throws: LiveVoxError.self) { try await stack.client.queueStats(serviceId: 21429) }
            #expect(error?.code == .circuitOpen)
            #expect(error?.gatewayStatus == 503)
            #expect(error?.attempts == 0)
            #expect((error?.retryAfterSeconds ?? 0) > 0)
            #expect(stack.requests(pathSuffix: "/queue/21429").count == 4)
        }
    }

    @Test("A wrong password is an upstream_login_failed error (502) carrying what the simulator said")
    func loginFailed() async throws {
        try await Stack.with(password: "wrong") { (stack: Stack) async throws in
            let error = await #expect(throws: LiveVoxError.self) { try await stack.client.queueStats(serviceId: 21429) }
            #expect(error?.code == .upstreamLoginFailed)
            #expect(error?.gatewayStatus == 502)
            #expect(error?.upstreamStatus != nil)
            #expect(stack.requests(pathSuffix: "/queue/21429").isEmpty)
        }
    }

    @Test("Logout at shutdown ends the session on the simulator")
    func logout() async throws {
        let stack = try await Stack.start()
        _ = try await stack.client.queueStats(serviceId: 21429)
        await stack.client.logout()
        let logout = try #require(stack.simulator.requests.last)
        #expect(logout.method == "DELETE")
        #expect(logout.path.hasPrefix("/session/logout/"))
        await stack.curl.shutdown(gracePeriod: .seconds(1))
        await stack.running.shutdown()
    }
}
