import CallGateCore
import CurlTransport
import Foundation
import Testing
@testable import LiveVoxClient

@Suite("LiveVoxClient against a scripted upstream")
struct LiveVoxClientTests {
    let clock = TestClock()

    func client(_ upstream: ScriptedLiveVox, retry: RetryPolicy = .init(),
                breaker: CircuitBreakerStateMachine.Configuration = .init(), pathPrefix: String = "") -> LiveVoxClient {
        LiveVoxClient(
            configuration: .test(pathPrefix: pathPrefix, retry: retry, breaker: breaker),
            transport: upstream, clock: clock, jitterSeed: 99, logger: testLogger)
    }

    @Test("The first call logs in with LV-Access and the credentials, then sends LV-Session and LV-Access")
    func loginThenCall() async throws {
        let upstream = ScriptedLiveVox()
        let response = try await client(upstream).queueStats(serviceId: 21429)
        let requests = upstream.requests
        #expect(requests.count == 2)
        #expect(requests[0].method == "POST")
        #expect(requests[0].url == "http://livevox.test/session/login")
        #expect(requests[0].header("LV-Access") == "sim-access-token")
        #expect(requests[0].header("Content-Type") == "application/json")
        #expect(try JSONDecoder().decode(LoginRequest.self, from: Data(requests[0].body))
            == LoginRequest(clientName: "SIM", userName: "sim-user", password: "sim-password", agent: false))
        #expect(requests[1].method == "GET")
        #expect(requests[1].url == "http://livevox.test/callControl/supervisor/calls/queue/21429")
        #expect(requests[1].header("LV-Session") == "session-1")
        #expect(requests[1].header("LV-Access") == "sim-access-token")
        #expect(response.status == 200)
        #expect(response.body == ScriptedLiveVox.queueStatsBody)
        #expect(response.contentType == "application/json")
        #expect(response.attempts == 1)
        #expect(try response.model() == QueueStats(availableAgents: 7, callsOnHold: 2, callsToBeLaunched: 14, callsInProgress: 8, maxAgents: 26))
    }

    @Test("The version prefix goes after the category on every path")
    func versionPrefix() async throws {
        let upstream = ScriptedLiveVox { _, _ in .status(204) }
        let client = client(upstream, pathPrefix: "v6.0")
        _ = try await client.scheduleCallback(serviceId: 112231, ScheduleCallbackRequest(phoneNumber: "4158149720"))
        #expect(upstream.requests.map(\.url) == [
            "http://livevox.test/session/v6.0/login",
            "http://livevox.test/callControl/v6.0/supervisor/calls/112231/ScheduleCallback",
        ])
    }

    @Test("100 concurrent calls on a fresh client log in exactly once")
    func singleFlightFresh() async throws {
        let upstream = ScriptedLiveVox(loginDelay: .milliseconds(20))
        let client = client(upstream)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await client.queueStats(serviceId: 21429).status } }
            for try await status in group { #expect(status == 200) }
        }
        #expect(upstream.logins == 1)
        #expect(upstream.calls.count == 100)
    }

    @Test("100 concurrent calls after the session expired log in exactly once more; each refused call is replayed once")
    func singleFlightAfterExpiry() async throws {
        let upstream = ScriptedLiveVox(loginDelay: .milliseconds(20))
        let client = client(upstream)
        _ = try await client.queueStats(serviceId: 21429)
        upstream.expireSession()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await client.queueStats(serviceId: 21429).attempts } }
            for try await attempts in group { #expect((1...2).contains(attempts)) }
        }
        #expect(upstream.logins == 2)
        // Calls that started before the new login carried the dead session and were refused once;
        // calls that started during it waited for it. Every call ended with the new session.
        let sessions = upstream.calls.dropFirst().map { $0.header("LV-Session") }
        #expect(sessions.filter { $0 == "session-2" }.count == 100)
        #expect(sessions.filter { $0 == "session-1" }.count >= 1)
        #expect(sessions.allSatisfy { $0 == "session-1" || $0 == "session-2" })
    }

    @Test("100 calls refused together with 401 because the session expired share exactly one login")
    func singleFlightAllRefused() async throws {
        let upstream = ScriptedLiveVox(holdRefusalsUntil: 100)
        let client = client(upstream)
        _ = try await client.queueStats(serviceId: 21429)
        upstream.expireSession()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await client.queueStats(serviceId: 21429).attempts } }
            for try await attempts in group { #expect(attempts == 2) }
        }
        #expect(upstream.logins == 2)
        let sessions = upstream.calls.dropFirst().map { $0.header("LV-Session") ?? "" }
        #expect(sessions.filter { $0 == "session-1" }.count == 100)
        #expect(sessions.filter { $0 == "session-2" }.count == 100)
    }

    @Test("A Retry-After beyond the deadline ends the operation at once and is handed to the gateway")
    func retryAfterBeyondDeadline() async throws {
        let upstream = ScriptedLiveVox { _, _ in .status(503, retryAfter: "120") }
        await #expect(throws: LiveVoxError(
            code: .upstreamUnavailable, operation: "queueStats", upstreamStatus: 503,
            retryAfter: .seconds(120), attempts: 1)) {
            try await client(upstream).queueStats(serviceId: 21429)
        }
        #expect(clock.sleeps == [])
    }

    @Test("A 401 leads to one new login and one replay of the call")
    func replayAfter401() async throws {
        let upstream = ScriptedLiveVox { _, _ in .status(204) }
        let client = client(upstream)
        _ = try await client.launchManualCalls(serviceId: 21429, LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4152057483")]))
        upstream.expireSession()
        let response = try await client.launchManualCalls(serviceId: 21429, LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4086462133")]))
        #expect(response.status == 204)
        #expect(response.attempts == 2)
        #expect(upstream.logins == 2)
        #expect(upstream.requests.map { $0.header("LV-Session") ?? "login" } == ["login", "session-1", "session-1", "login", "session-2"])
    }

    @Test("A 401 after the new login and the replay is an upstream_session_rejected error (502)")
    func persistent401() async throws {
        let upstream = ScriptedLiveVox { _, _ in .status(401, body: #"{"code":401,"message":"Not allowed"}"#) }
        await #expect(throws: LiveVoxError(
            code: .upstreamSessionRejected, operation: "queueStats", upstreamStatus: 401, upstreamCode: 401,
            upstreamMessage: "Not allowed", attempts: 2)) {
            try await client(upstream).queueStats(serviceId: 21429)
        }
        #expect(upstream.logins == 2)
    }

    @Test("Retry-After in seconds is waited out exactly before the GET is tried again")
    func retryAfterSeconds() async throws {
        let count = Counter()
        let upstream = ScriptedLiveVox { _, _ in
            count.next() <= 2 ? .status(429, retryAfter: "2") : ScriptedLiveVox.queueStatsOK
        }
        let response = try await client(upstream).queueStats(serviceId: 21429)
        #expect(response.status == 200)
        #expect(response.attempts == 3)
        #expect(clock.sleeps == [.seconds(2), .seconds(2)])
    }

    @Test("Retry-After as an HTTP-date is waited out until that date")
    func retryAfterDate() async throws {
        // The test clock's wall time starts at 1_800_000_000 = Fri, 15 Jan 2027 08:00:00 GMT.
        let count = Counter()
        let upstream = ScriptedLiveVox { _, _ in
            count.next() == 1 ? .status(503, retryAfter: "Fri, 15 Jan 2027 08:00:03 GMT") : ScriptedLiveVox.queueStatsOK
        }
        let response = try await client(upstream).queueStats(serviceId: 21429)
        #expect(response.attempts == 2)
        #expect(clock.sleeps == [.seconds(3)])
    }

    @Test("Without Retry-After the GET backs off on the seeded jitter schedule")
    func backoffSchedule() async throws {
        let count = Counter()
        let upstream = ScriptedLiveVox { _, _ throws(CurlTransportError) in
            switch count.next() {
            case 1: return .status(502)
            case 2: throw .scripted(.connectionLost)
            default: return ScriptedLiveVox.queueStatsOK
            }
        }
        let policy = RetryPolicy()
        let response = try await client(upstream, retry: policy).queueStats(serviceId: 21429)
        #expect(response.attempts == 3)
        let machine = RetryStateMachine(policy: policy, idempotent: true, start: clock.origin)
        var jitter = SplitMix64(seed: 99)
        #expect(clock.sleeps == [machine.backoff(beforeAttempt: 2, jitter: &jitter), machine.backoff(beforeAttempt: 3, jitter: &jitter)])
    }

    @Test("A failing GET gives up after maxAttempts with the upstream's status, words and Retry-After")
    func exhausted() async throws {
        let upstream = ScriptedLiveVox { _, _ in
            .status(503, retryAfter: "1", body: #"{"code":"9","message":"Maintenance"}"#)
        }
        await #expect(throws: LiveVoxError(
            code: .upstreamUnavailable, operation: "queueStats", upstreamStatus: 503, upstreamCode: 9,
            upstreamMessage: "Maintenance", retryAfter: .seconds(1), attempts: 3, upstreamMayHaveActed: false)) {
            try await client(upstream, retry: RetryPolicy(maxAttempts: 3)).queueStats(serviceId: 21429)
        }
        #expect(upstream.calls.count == 3)
    }

    @Test("A POST is never replayed once it reached the upstream", arguments: [
        CurlTransportError.scripted(.connectionLost), .scripted(.timedOut),
    ])
    func postNotReplayed(error: CurlTransportError) async throws {
        let upstream = ScriptedLiveVox { _, _ throws(CurlTransportError) in throw error }
        await #expect(throws: LiveVoxError(
            code: .forTransportFailure(LiveVoxTransportFailure(error.code)), operation: "launchManualCalls",
            transportFailure: LiveVoxTransportFailure(error.code), attempts: 1, upstreamMayHaveActed: true)) {
            try await client(upstream).launchManualCalls(serviceId: 21429, LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4152057483")]))
        }
        #expect(upstream.calls.count == 1)
    }

    @Test("A POST answered 503 or 429 is not replayed; the gateway gets 503 with Retry-After", arguments: [503, 429])
    func postStatusNotReplayed(status: Int) async throws {
        let upstream = ScriptedLiveVox { _, _ in .status(status, retryAfter: "5") }
        await #expect(throws: LiveVoxError(
            code: .forUpstreamStatus(status, endpoint: .scheduleCallback(serviceId: 1))!, operation: "scheduleCallback",
            upstreamStatus: status, retryAfter: .seconds(5), attempts: 1, upstreamMayHaveActed: false)) {
            try await client(upstream).scheduleCallback(serviceId: 112231, ScheduleCallbackRequest(phoneNumber: "4158149720"))
        }
        #expect(upstream.calls.count == 1)
    }

    @Test("A POST is replayed after the connection was refused, and the body is sent again unchanged")
    func postReplayedAfterRefusal() async throws {
        let count = Counter()
        let upstream = ScriptedLiveVox { _, _ throws(CurlTransportError) in
            if count.next() == 1 { throw .scripted(.connectionRefused, neverSent: true) }
            return .status(204)
        }
        let body = Array(#"{"callEntry":[{"phoneNumber":"4152057483"}]}"#.utf8)
        let response = try await client(upstream).launchManualCalls(serviceId: 21429, body: body)
        #expect(response.status == 204)
        #expect(response.attempts == 2)
        #expect(upstream.calls.map(\.body) == [body, body])
    }

    @Test("A 4xx answer is passed through with the upstream's bytes, not thrown")
    func clientErrorPassesThrough() async throws {
        let body = #"{"code":5001,"message":"Service 999 not found"}"#
        let upstream = ScriptedLiveVox { _, _ in .status(404, body: body) }
        let response = try await client(upstream).nonAttemptedManualCalls(serviceId: 999)
        #expect(response.status == 404)
        #expect(response.isSuccess == false)
        #expect(response.body == Array(body.utf8))
        #expect(response.errorBody == LiveVoxErrorBody(code: 5001, message: "Service 999 not found"))
        #expect(upstream.calls.count == 1)
    }

    @Test("The breaker opens after consecutive failures, answers at once, and a successful probe closes it")
    func breaker() async throws {
        let healthy = Counter()
        let upstream = ScriptedLiveVox { _, _ in healthy.next() > 3 ? ScriptedLiveVox.queueStatsOK : .status(500) }
        let client = client(upstream, retry: RetryPolicy(maxAttempts: 1),
                            breaker: .init(failureThreshold: 3, openDuration: .seconds(30)))
        for _ in 0..<3 {
            await #expect(throws: LiveVoxError.self) { try await client.queueStats(serviceId: 21429) }
        }
        clock.advance(by: .seconds(10))
        await #expect(throws: LiveVoxError(code: .circuitOpen, operation: "queueStats", retryAfter: .seconds(20), attempts: 0)) {
            try await client.queueStats(serviceId: 21429)
        }
        #expect(upstream.calls.count == 3)
        clock.advance(by: .seconds(20))
        #expect(try await client.queueStats(serviceId: 21429).status == 200)
        #expect(client.circuitBreakerState == .closed(consecutiveFailures: 0))
    }

    @Test("Logout deletes the session and forgets it")
    func logout() async throws {
        let upstream = ScriptedLiveVox()
        let client = client(upstream)
        _ = try await client.queueStats(serviceId: 21429)
        await client.logout()
        await client.logout()
        let last = try #require(upstream.requests.last)
        #expect(upstream.requests.count == 3)
        #expect(last.method == "DELETE")
        #expect(last.url == "http://livevox.test/session/logout/session-1")
        #expect(last.header("LV-Session") == "session-1")
    }
}
