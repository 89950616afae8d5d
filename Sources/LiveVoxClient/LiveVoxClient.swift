import CallGateCore
import CurlTransport
import Logging
import Synchronization

/// The LiveVox Supervisor Calls protocol: session login (single flight), one replay after a 401,
/// retries of idempotent requests, the circuit breaker and the mapping of failures to
/// ``LiveVoxError``. It knows nothing of the gateway's callers.
///
/// Successful and client-error answers come back as ``LiveVoxResponse`` with the upstream's bytes,
/// for the gateway to pass through; failures throw ``LiveVoxError``.
public final class LiveVoxClient: Sendable {
    /// The settings the client was made with.
    public let configuration: LiveVoxClientConfiguration
    private let transport: any LiveVoxTransport
    private let clock: any LiveVoxClock
    private let logger: Logger
    private let breaker: Mutex<CircuitBreakerStateMachine>
    private let jitter: Mutex<SplitMix64>
    private let baseURL: String
    /// The configured path prefix, normalized once (`LiveVoxEndpoint.normalizedPrefix`).
    private let pathPrefix: String
    private let constantHeaders: [HTTPHeaderField]
    private let loginBody: [UInt8]
    private let cache = LiveVoxSessionCache()

    /// Creates a client.
    /// - Parameters:
    ///   - jitterSeed: seeds the backoff jitter, for reproducible runs; random when `nil`.
    ///   - logger: the logger for the client's own events (session, breaker, retries).
    public init(
        configuration: LiveVoxClientConfiguration,
        transport: some LiveVoxTransport,
        clock: some LiveVoxClock = SystemLiveVoxClock(),
        jitterSeed: UInt64? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.breaker = Mutex(CircuitBreakerStateMachine(configuration: configuration.circuitBreaker))
        var system = SystemRandomNumberGenerator()
        self.jitter = Mutex(SplitMix64(seed: jitterSeed ?? system.next()))
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.pathPrefix = LiveVoxEndpoint.normalizedPrefix(configuration.pathPrefix)
        self.constantHeaders = [
            HTTPHeaderField(name: "LV-Access", value: configuration.accessToken),
            HTTPHeaderField(name: "Accept", value: "application/json"),
        ]
        self.loginBody = configuration.credentials.liveVoxJSON
    }

    // MARK: The four operations

    /// `GET /callControl/supervisor/calls/queue/{serviceId}`: a snapshot of the queue.
    public func queueStats(
        serviceId: Int64, requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<QueueStats> {
        try await perform(.queueStats(serviceId: serviceId), requestId: requestId, logger: logger ?? self.logger)
    }

    /// `GET /callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls`.
    public func nonAttemptedManualCalls(
        serviceId: Int64, requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<NonAttemptedManualCallsResponse> {
        try await perform(.nonAttemptedManualCalls(serviceId: serviceId), requestId: requestId, logger: logger ?? self.logger)
    }

    /// `POST /callControl/supervisor/calls/{serviceId}/LaunchManualCalls`.
    public func launchManualCalls(
        serviceId: Int64, _ request: LaunchManualCallsRequest, requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<LiveVoxNoContent> {
        try await launchManualCalls(serviceId: serviceId, body: request.liveVoxJSON, requestId: requestId, logger: logger)
    }

    /// `POST .../LaunchManualCalls` with a JSON body the caller already encoded (bytes through).
    public func launchManualCalls(
        serviceId: Int64, body: [UInt8], requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<LiveVoxNoContent> {
        try await perform(.launchManualCalls(serviceId: serviceId), body: body, requestId: requestId, logger: logger ?? self.logger)
    }

    /// `POST /callControl/supervisor/calls/{serviceId}/ScheduleCallback`.
    public func scheduleCallback(
        serviceId: Int64, _ request: ScheduleCallbackRequest, requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<LiveVoxNoContent> {
        try await scheduleCallback(serviceId: serviceId, body: request.liveVoxJSON, requestId: requestId, logger: logger)
    }

    /// `POST .../ScheduleCallback` with a JSON body the caller already encoded (bytes through).
    public func scheduleCallback(
        serviceId: Int64, body: [UInt8], requestId: String? = nil, logger: Logger? = nil
    ) async throws(LiveVoxError) -> LiveVoxResponse<LiveVoxNoContent> {
        try await perform(.scheduleCallback(serviceId: serviceId), body: body, requestId: requestId, logger: logger ?? self.logger)
    }

    // MARK: Session

    /// Ends the session, if there is one: `DELETE /session/logout/{id}`, one attempt, failures logged.
    public func logout() async {
        guard let sessionId = await cache.take() else { return }
        let endpoint = LiveVoxEndpoint.logout(sessionId: sessionId)
        var request = makeRequest(endpoint, sessionId: sessionId, body: [], timeout: configuration.logoutTimeout)
        request.headers.append(HTTPHeaderField(name: "LV-Session", value: sessionId))
        do {
            let response = try await transport.execute(request)
            logger.debug("LiveVox logout", metadata: ["upstream.status": "\(response.status)"])
        } catch {
            logger.notice("LiveVox logout failed", metadata: [
                "upstream.transport_error": "\(LiveVoxTransportFailure(error.code).rawValue)",
            ])
        }
    }

    /// The breaker's state, for health checks and metrics.
    public var circuitBreakerState: CircuitBreakerStateMachine.State {
        breaker.withLock { $0.state }
    }

    /// Logs in (retried as an idempotent request: LiveVox answers a repeated login with the same session).
    private func login() async -> Result<String, LiveVoxError> {
        let response: LiveVoxResponse<LoginResponse>
        do {
            // Every non-2xx answer to a login is an error (`upstream_login_failed` for a 4xx).
            response = try await perform(.login, body: loginBody, logger: logger)
        } catch {
            logger.error("LiveVox login failed", metadata: [
                "upstream.error": "\(error.code.rawValue)",
                "upstream.status": "\(error.upstreamStatus.map(String.init) ?? "none")",
            ])
            return .failure(error)
        }
        do {
            let session = try response.model()
            logger.info("LiveVox session opened", metadata: [
                "upstream.days_until_password_expires": "\(session.daysUntilPasswordExpires)",
            ])
            return .success(session.sessionId)
        } catch {
            return .failure(LiveVoxError(
                code: .upstreamInvalidResponse, operation: LiveVoxEndpoint.login.operationName,
                upstreamStatus: response.status, upstreamMessage: error.description,
                attempts: response.attempts, upstreamLatency: response.upstreamLatency))
        }
    }

    // MARK: The exchange loop

    /// Runs one operation: session, breaker, attempts, one replay after a 401, retries, error mapping.
    private func perform<Model>(
        _ endpoint: LiveVoxEndpoint, body: [UInt8] = [], requestId: String? = nil, logger: Logger
    ) async throws(LiveVoxError) -> LiveVoxResponse<Model> {
        let operation = endpoint.operationName
        let authenticated = endpoint != .login
        var retry = RetryStateMachine(
            policy: configuration.retry, idempotent: endpoint.isIdempotent, start: clock.now)
        var latency = Duration.zero
        var replayedAfter401 = false
        var sessionId: String?
        // Each line says which operation it is about; made only when a line is logged (a logger
        // given the operation in its metadata cost a handler and a dictionary copy per request).
        func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message, _ metadata: Logger.Metadata = [:]) {
            logger.log(level: level, message(), metadata: metadata.merging(["upstream.operation": "\(operation)"]) { old, _ in old })
        }

        func failure(_ code: Code, status: Int? = nil, said: LiveVoxErrorBody? = nil,
                     transport: LiveVoxTransportFailure? = nil, retryAfter: Duration? = nil,
                     mayHaveActed: Bool = false) -> LiveVoxError {
            LiveVoxError(
                code: code, operation: operation, upstreamStatus: status, upstreamCode: said?.code,
                upstreamMessage: said?.message, transportFailure: transport, retryAfter: retryAfter,
                attempts: retry.attempts, upstreamLatency: latency, upstreamMayHaveActed: mayHaveActed)
        }
        typealias Code = LiveVoxError.Code

        if authenticated {
            if let valid = cache.validSession() {
                sessionId = valid
            } else {
                sessionId = try await cache.sessionId(login: login).get()
            }
        }
        while true {
            if Task.isCancelled { throw failure(.cancelled) }
            let permit = breaker.withLock { $0.requestPermission(now: clock.now) }
            if case .reject(let wait) = permit {
                log(.debug, "LiveVox circuit open, request not sent")
                throw failure(.circuitOpen, retryAfter: wait)
            }
            let isProbe = permit == .proceedAsProbe
            guard let timeout = retry.startAttempt(now: clock.now) else {
                record(.abandoned, probe: isProbe, log: log)
                throw failure(.upstreamTimeout)
            }
            var request = makeRequest(endpoint, sessionId: sessionId, body: body, timeout: timeout)
            if let sessionId { request.headers.append(HTTPHeaderField(name: "LV-Session", value: sessionId)) }
            // The gateway's request id travels upstream, so LiveVox's logs can be matched with the audit.
            if let requestId { request.headers.append(HTTPHeaderField(name: "X-Request-ID", value: requestId)) }

            let sent = clock.now
            let result: Result<HTTPResponseSpec, CurlTransportError>
            do {
                result = .success(try await transport.execute(request))
            } catch {
                result = .failure(error)
            }
            let ended = clock.now
            latency += ended - sent

            let outcome: RetryStateMachine.AttemptOutcome
            let finalError: LiveVoxError
            switch result {
            case .failure(let error):
                let kind = LiveVoxTransportFailure(error.code)
                if kind == .cancelled || Task.isCancelled {
                    record(.abandoned, probe: isProbe, log: log)
                    throw failure(.cancelled, transport: kind, mayHaveActed: !error.requestNeverSent)
                }
                record(.failure, probe: isProbe, log: log)
                log(.debug, "LiveVox exchange failed", [
                    "upstream.transport_error": "\(kind.rawValue)",
                    "upstream.attempt": "\(retry.attempts)",
                ])
                outcome = .transportFailure(requestNeverSent: error.requestNeverSent)
                finalError = failure(
                    Code.forTransportFailure(kind), transport: kind,
                    mayHaveActed: !error.requestNeverSent)

            case .success(let response):
                record(response.status >= 500 ? .failure : .success, probe: isProbe, log: log)
                if response.status == 401, authenticated, !replayedAfter401, let stale = sessionId {
                    // The session died: one new login (shared with every call that saw it die), one replay.
                    log(.info, "LiveVox session refused, logging in again")
                    replayedAfter401 = true
                    sessionId = try await cache.sessionId(replacing: stale, login: login).get()
                    continue
                }
                guard let code = Code.forUpstreamStatus(response.status, endpoint: endpoint) else {
                    return LiveVoxResponse(
                        status: response.status, body: response.body, contentType: response.header("Content-Type"),
                        attempts: retry.attempts, upstreamLatency: latency)
                }
                let retryAfter = response.header("Retry-After").flatMap {
                    RetryAfter.parse($0, nowSecondsSince1970: clock.secondsSince1970)
                }
                log(.debug, "LiveVox answered with a failure", [
                    "upstream.status": "\(response.status)",
                    "upstream.attempt": "\(retry.attempts)",
                ])
                outcome = .response(status: response.status, retryAfter: retryAfter)
                // 401, 429 and 503 mean the upstream did nothing; other failures may hide a done deed.
                let didNothing = [401, 429, 503].contains(response.status)
                finalError = failure(
                    code, status: response.status, said: .lenient(response.body), retryAfter: retryAfter,
                    mayHaveActed: !didNothing && endpoint.method != "GET")
            }

            let action = jitter.withLock { retry.decide(after: outcome, now: clock.now, jitter: &$0) }
            switch action {
            case .giveUp(let reason):
                log(.warning, "LiveVox operation failed", [
                    "upstream.error": "\(finalError.code.rawValue)",
                    "upstream.attempts": "\(retry.attempts)",
                    "upstream.give_up": "\(reason)",
                ])
                throw finalError
            case .retry(let delay):
                log(.debug, "LiveVox retry scheduled", [
                    "upstream.retry_in_ms": "\(delay.nanoseconds / 1_000_000)",
                ])
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw failure(.cancelled)
                }
            }
        }
    }

    private func record(
        _ outcome: CircuitBreakerStateMachine.Outcome, probe: Bool,
        log: (Logger.Level, @autoclosure () -> Logger.Message, Logger.Metadata) -> Void
    ) {
        let transition = breaker.withLock { $0.record(outcome, wasProbe: probe, now: clock.now) }
        switch transition {
        case .opened(let until):
            log(.warning, "LiveVox circuit breaker opened", [
                "upstream.breaker.open_ms": "\((until - clock.now).nanoseconds / 1_000_000)",
            ])
        case .closed:
            log(.notice, "LiveVox circuit breaker closed", [:])
        case nil:
            break
        }
    }

    private func makeRequest(_ endpoint: LiveVoxEndpoint, sessionId: String?, body: [UInt8], timeout: Duration) -> HTTPRequestSpec {
        // Room for the session, the request id and the content type, so that adding them does not
        // copy the list again.
        var headers: [HTTPHeaderField] = []
        headers.reserveCapacity(constantHeaders.count + 3)
        headers.append(contentsOf: constantHeaders)
        if !body.isEmpty { headers.append(HTTPHeaderField(name: "Content-Type", value: "application/json")) }
        return HTTPRequestSpec(
            method: endpoint.method,
            url: baseURL + endpoint.path(normalizedPrefix: pathPrefix, queueStatsStyle: configuration.queueStatsPathStyle),
            headers: headers, body: body, timeout: timeout,
            // Every request that found the session expired waits for the login: it goes first.
            isUrgent: endpoint == .login)
    }
}
