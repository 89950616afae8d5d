import CallGateCore
import CurlTransport
import Logging
import Synchronization
@testable import LiveVoxClient

/// A clock the test drives: `sleep` returns at once and moves the monotonic time forward.
final class TestClock: LiveVoxClock {
    private struct State {
        var elapsed = Duration.zero
        var sleeps: [Duration] = []
    }

    let origin = ContinuousClock.now
    let wallOrigin: Double
    private let state = Mutex(State())

    init(wallOrigin: Double = 1_800_000_000) { self.wallOrigin = wallOrigin }

    var now: ContinuousClock.Instant { origin + state.withLock { $0.elapsed } }
    var secondsSince1970: Double { wallOrigin + state.withLock { $0.elapsed }.secondsDouble }
    /// Every wait the client asked for, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) { state.withLock { $0.elapsed += duration } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(duration)
            $0.elapsed += duration
        }
    }
}

/// A LiveVox stand-in in memory: it logs in, checks `LV-Session`, and answers each other request with
/// what the test's script returns; every request is recorded.
final class ScriptedLiveVox: LiveVoxTransport {
    typealias Script = @Sendable (_ request: HTTPRequestSpec, _ index: Int) async throws(CurlTransportError) -> HTTPResponseSpec

    private struct State {
        var requests: [HTTPRequestSpec] = []
        var logins = 0
        var validSession: String?
    }

    private let state = Mutex(State())
    private let script: Script
    private let loginDelay: Duration
    private let refusalBarrier: Int
    private let refusals = Counter()

    /// `script` answers every request but the login; by default with 200 and a queue-stats body.
    /// With `holdRefusalsUntil` n, the first n answers 401 are held until all n requests have arrived,
    /// so that n calls provably find the session dead at the same time.
    init(loginDelay: Duration = .zero, holdRefusalsUntil: Int = 0,
         script: @escaping Script = { _, _ in ScriptedLiveVox.queueStatsOK }) {
        self.loginDelay = loginDelay
        self.refusalBarrier = holdRefusalsUntil
        self.script = script
    }

    static let queueStatsBody = Array(#"{"availableAgents":7,"callsOnHold":2,"callsToBeLaunched":14,"callsInProgress":8,"maxAgents":26}"#.utf8)
    static let queueStatsOK = HTTPResponseSpec(
        status: 200, headers: [.init(name: "Content-Type", value: "application/json")], body: queueStatsBody)

    var requests: [HTTPRequestSpec] { state.withLock { $0.requests } }
    var logins: Int { state.withLock { $0.logins } }
    /// Requests other than logins.
    var calls: [HTTPRequestSpec] { requests.filter { !$0.url.hasSuffix("/login") } }

    /// Ends the current session: the next call with it is answered 401.
    func expireSession() { state.withLock { $0.validSession = nil } }

    func execute(_ request: HTTPRequestSpec) async throws(CurlTransportError) -> HTTPResponseSpec {
        let index = state.withLock {
            $0.requests.append(request)
            return $0.requests.count - 1
        }
        if request.url.hasSuffix("/login") {
            if loginDelay > .zero { try? await Task.sleep(for: loginDelay) }
            let id = state.withLock {
                $0.logins += 1
                let id = "session-\($0.logins)"
                $0.validSession = id
                return id
            }
            let body = #"{"sessionId":"\#(id)","clientId":1001,"userId":2001,"daysUntilPasswordExpires":90}"#
            return HTTPResponseSpec(status: 200, body: Array(body.utf8))
        }
        let valid = state.withLock { $0.validSession }
        guard let session = request.header("LV-Session"), session == valid else {
            if refusals.next() <= refusalBarrier {
                // Bounded wait: 5 s at most, then answer anyway and let the test's expectations fail.
                for _ in 0..<5_000 where refusals.value < refusalBarrier { try? await Task.sleep(for: .milliseconds(1)) }
            }
            return HTTPResponseSpec(status: 401, body: Array(#"{"code":401,"message":"Session invalid"}"#.utf8))
        }
        return try await script(request, index)
    }
}

extension LiveVoxClientConfiguration {
    /// A configuration for tests against `baseURL`.
    static func test(
        baseURL: String = "http://livevox.test", pathPrefix: String = "",
        retry: RetryPolicy = .init(), breaker: CircuitBreakerStateMachine.Configuration = .init()
    ) -> Self {
        .init(
            baseURL: baseURL, pathPrefix: pathPrefix, accessToken: "sim-access-token",
            credentials: LoginRequest(clientName: "SIM", userName: "sim-user", password: "sim-password"),
            retry: retry, circuitBreaker: breaker)
    }
}

let testLogger = Logger(label: "LiveVoxClientTests")

extension HTTPRequestSpec {
    /// The first value of the header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

extension HTTPResponseSpec {
    static func status(_ status: Int, retryAfter: String? = nil, body: String = "") -> Self {
        HTTPResponseSpec(
            status: status, headers: retryAfter.map { [.init(name: "Retry-After", value: $0)] } ?? [],
            body: Array(body.utf8))
    }
}

extension CurlTransportError {
    /// A scripted transport failure; `neverSent` as the transport would prove it.
    static func scripted(_ code: Code, neverSent: Bool = false) -> Self {
        CurlTransportError(code: code, requestNeverSent: neverSent, detail: "scripted \(code.rawValue)")
    }
}

/// A counter scripts share across calls.
final class Counter: Sendable {
    private let count = Mutex(0)
    /// Adds one and returns the new count (the first call returns 1).
    func next() -> Int { count.withLock { $0 += 1; return $0 } }
    /// The count so far.
    var value: Int { count.withLock { $0 } }
}
