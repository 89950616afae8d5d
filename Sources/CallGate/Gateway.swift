import CallGateCore
import Logging
import LiveVoxClient

/// The request pipeline, in the order the architecture fixes: request id, route, authenticate,
/// authorize (role, then service), read and decode the body, validate and normalize, the Agent's
/// own-callback rule, forward, respond. Independent of the HTTP server (see ``GatewayResponder``).
///
/// Authorization comes before the body is read: a caller that may not use an operation learns
/// nothing about its body and cannot make the gateway read a large one.
public final class Gateway: Sendable {
    /// What the pipeline needs to know.
    public struct Configuration: Sendable {
        /// The largest request body read, in bytes (413 above).
        public var maxBodyBytes: Int
        /// The request validator (batch size, allowed regions).
        public var validator: RequestValidator
        /// The zone LiveVox's offset-less `timeOfFailure` is read in.
        public var upstreamTimeZone: IANATimeZone
        /// The OpenAPI document served at `/openapi.yaml`.
        public var openAPIDocument: [UInt8]
        /// The rate limit of principals that have none of their own; nil: no limit.
        public var defaultRateLimit: RateLimit?
        /// How long an Idempotency-Key is kept, in milliseconds.
        public var idempotencyTTLMillis: Int64

        /// Creates a configuration.
        public init(maxBodyBytes: Int = 1 << 20, validator: RequestValidator = RequestValidator(),
                    upstreamTimeZone: IANATimeZone = IANATimeZone.named("UTC")!, openAPIDocument: [UInt8] = [],
                    defaultRateLimit: RateLimit? = nil, idempotencyTTLMillis: Int64 = 24 * 3_600_000) {
            self.idempotencyTTLMillis = idempotencyTTLMillis
            self.maxBodyBytes = maxBodyBytes
            self.validator = validator
            self.upstreamTimeZone = upstreamTimeZone
            self.openAPIDocument = openAPIDocument
            self.defaultRateLimit = defaultRateLimit
        }
    }

    let configuration: Configuration
    let keys: APIKeyStore
    let jwt: JWTAuthenticator?
    let webhooks: WebhookSourceStore?
    /// Called when the outbox has a new delivery to send (the delivery worker's `wake`).
    let deliveriesArrived: (@Sendable () -> Void)?
    let client: LiveVoxClient
    let audit: AuditTrail?
    let metrics: GatewayMetrics?
    let exposition: (@Sendable () -> [UInt8])?
    let readiness: @Sendable () async -> Readiness
    let nowMillis: @Sendable () -> Int64
    let logger: Logger
    let rateLimiter = RateLimiter()

    /// Whether the gateway can serve LiveVox operations, and if not why.
    public struct Readiness: Sendable, Hashable {
        /// Ready or not.
        public var isReady: Bool
        /// A sentence on what is not ready.
        public var detail: String

        /// Creates a readiness answer.
        public init(isReady: Bool, detail: String) {
            self.isReady = isReady
            self.detail = detail
        }
    }

    /// Creates the pipeline.
    /// - Parameter audit: where every decision is recorded before its answer is sent, and what
    ///   `/v1/audit` reads; `nil` runs without an audit trail (tests of the pipeline alone).
    /// - Parameter metrics: counts every request; `exposition` renders them for `GET /metrics`
    ///   (404 without it).
    /// - Parameter jwt: accepts JWT bearer tokens (nil: only API keys).
    /// - Parameter webhooks: the webhook sources whose signatures are accepted (nil: webhooks are refused).
    public init(configuration: Configuration, keys: APIKeyStore, jwt: JWTAuthenticator? = nil,
                webhooks: WebhookSourceStore? = nil, deliveriesArrived: (@Sendable () -> Void)? = nil,
                client: LiveVoxClient, audit: AuditTrail? = nil,
                metrics: GatewayMetrics? = nil, exposition: (@Sendable () -> [UInt8])? = nil,
                readiness: @escaping @Sendable () async -> Readiness,
                nowMillis: @escaping @Sendable () -> Int64, logger: Logger) {
        self.configuration = configuration
        self.keys = keys
        self.jwt = jwt
        self.webhooks = webhooks
        self.deliveriesArrived = deliveriesArrived
        self.client = client
        self.audit = audit
        self.metrics = metrics
        self.exposition = exposition
        self.readiness = readiness
        self.nowMillis = nowMillis
        self.logger = logger
    }

    /// Answers one request; never throws: every failure is a problem document.
    public func respond(to request: GatewayRequest) async -> GatewayResponse {
        let started = ContinuousClock.now
        let requestId = RequestID.accept(request.header("x-request-id")) ?? RequestID.generate()
        return await RequestLogContext.$requestId.withValue(requestId) {
            await respond(to: request, requestId: requestId, started: started)
        }
    }

    /// `respond(to:)` with the request's id bound for its log lines (`RequestLogContext`).
    private func respond(to request: GatewayRequest, requestId: String, started: ContinuousClock.Instant) async -> GatewayResponse {
        let logger = self.logger
        var draft = AuditDraft(requestId: requestId)
        var response: GatewayResponse
        var problemCode: Problem.Code?
        switch await handle(request, draft: &draft, logger: logger) {
        case .success(let answer):
            response = answer
        case .failure(let problem):
            problemCode = problem.code
            response = Self.render(problem, requestId: requestId, instance: request.path)
        }
        let elapsed = started.duration(to: .now)
        metrics?.record(operation: draft.operation, status: response.status, duration: elapsed,
                        upstreamAttempts: draft.upstreamAttempts, problem: problemCode?.rawValue)
        if draft.isAudited, let audit {
            let event = AuditEvent(draft: draft, request: request, timeMillis: nowMillis(), responseStatus: response.status,
                                   problem: problemCode, totalLatency: elapsed)
            if let delivery = draft.delivery, problemCode == nil {
                if let admission = await audit.commit(event, delivery: delivery, logger: logger) {
                    response = Self.accepted(admission)
                    if case .created = admission { deliveriesArrived?() }
                } else {
                    response = Self.render(Self.auditUnavailable(after: event), requestId: requestId, instance: request.path)
                }
            } else if !(await audit.commit(event, logger: logger)) {
                // Nothing is answered unaudited: the caller learns the trail failed (and, for a
                // mutating request that reached LiveVox, that it may have acted: the log has it).
                response = Self.render(Self.auditUnavailable(after: event), requestId: requestId, instance: request.path)
            }
        }
        if let decision = draft.rateLimit { response.headers.append(contentsOf: decision.headers) }
        response.headers.append(("X-Request-ID", requestId))
        return response
    }

    /// Counts the request against the principal's rate limit; the refusal when it is over.
    func limitRate(_ principal: Principal, _ draft: inout AuditDraft) -> Problem? {
        guard let limit = principal.rateLimit ?? configuration.defaultRateLimit else { return nil }
        // The gateway's clock (the wall clock; fixed in tests), so limits are decided deterministically there.
        let decision = rateLimiter.check(principal.rateLimitKey, limit, nowNanos: nowMillis() &* 1_000_000)
        draft.rateLimit = decision
        guard let retryAfter = decision.retryAfterSeconds else { return nil }
        var problem = Problem(429, .rateLimited, "'\(principal.name)' may make \(Self.rate(limit)) (bursts of \(limit.burst)); retry in \(retryAfter) s.")
        problem.retryAfterSeconds = retryAfter
        return problem
    }

    /// "20 requests per second", "1 request per second", "0.5 requests per second".
    private static func rate(_ limit: RateLimit) -> String {
        let value = limit.requestsPerSecond
        let number = value == value.rounded() ? String(Int(value)) : String(value)
        return "\(number) request\(value == 1 ? "" : "s") per second"
    }

    private func handle(_ request: GatewayRequest, draft: inout AuditDraft, logger: Logger) async -> Result<GatewayResponse, Problem> {
        let route: GatewayRoute
        switch GatewayRoute.parse(method: request.method, path: request.path, query: request.query) {
        case .success(let parsed): route = parsed
        case .failure(let problem):
            draft.isAudited = true
            return .failure(problem)
        }
        draft.isAudited = route.isAudited
        draft.operation = route.operationName
        draft.serviceId = route.serviceId
        switch route {
        case .metrics:
            guard let exposition else { return .failure(GatewayRoute.notFound(request.path)) }
            return .success(GatewayResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                            body: exposition()))
        case .health:
            return .success(Self.json(200, Array(#"{"status":"ok"}"#.utf8)))
        case .openAPI:
            return .success(GatewayResponse(status: 200, headers: [("Content-Type", "application/yaml")], body: configuration.openAPIDocument))
        case .readiness:
            let state = await readiness()
            guard state.isReady else { return .failure(Problem(503, .notReady, state.detail)) }
            return .success(Self.json(200, Array(#"{"status":"ready"}"#.utf8)))
        case .queueStats, .nonAttemptedManualCalls, .launchManualCalls, .scheduleCallback, .audit, .auditVerify,
             .webhook, .deliveries, .delivery, .deliveryRetry:
            break
        }
        if case .webhook(let operation) = route {
            return await acceptWebhook(request, operation: operation, draft: &draft, logger: logger)
        }
        let principal: Principal
        switch authenticate(request, route: route) {
        case .success(let found): principal = found
        case .failure(let problem): return .failure(problem)
        }
        draft.principal = principal
        if let problem = limitRate(principal, &draft) { return .failure(problem) }
        if let problem = authorize(principal, route) { return .failure(problem) }
        return await RequestLogContext.$principal.withValue(principal.name) {
            if let key = request.header("idempotency-key"), route.surface == .v1, route.isMutating {
                return await idempotent(key: key, request, route, principal, &draft, logger)
            }
            return await operate(route, request, principal, &draft, logger)
        }
    }

    /// Runs an authorized operation: read and validate the body, apply the Agent rule, forward.
    func operate(_ route: GatewayRoute, _ request: GatewayRequest, _ principal: Principal, _ draft: inout AuditDraft,
                 _ logger: Logger) async -> Result<GatewayResponse, Problem> {
        let requestId = draft.requestId
        switch route {
        case .queueStats(let serviceId, let surface):
            return await forward(surface, &draft) { try await self.client.queueStats(serviceId: serviceId, requestId: requestId, logger: logger) }
                .flatMap { surface == .compatible ? Self.passThrough($0) : self.v1QueueStats($0, serviceId: serviceId) }
        case .nonAttemptedManualCalls(let serviceId, let surface):
            var filter = NonAttemptedFilter()
            if surface == .v1 {
                switch NonAttemptedFilter.parse(query: request.query) {
                case .success(let parsed): filter = parsed
                case .failure(let problem): return .failure(problem)
                }
            }
            return await forward(surface, &draft) {
                try await self.client.nonAttemptedManualCalls(serviceId: serviceId, requestId: requestId, logger: logger)
            }
                .flatMap { surface == .compatible ? Self.passThrough($0) : self.v1NonAttempted($0, serviceId: serviceId, filter: filter) }
        case .launchManualCalls(let serviceId, let surface):
            let body: JSONValue
            switch await readJSON(request) {
            case .success(let value): body = value
            case .failure(let problem): return .failure(problem)
            }
            let calls: RequestValidator.ManualCalls
            switch configuration.validator.manualCalls(body, surface: surface == .v1 ? .v1 : .compatible) {
            case .success(let valid):
                calls = valid
                draft.phones = valid.phones.map(\.national)
                draft.entryCount = valid.phones.count
            case .failure(let failure):
                draft.noteRefused(body, failure: failure, surface: surface, allowed: configuration.validator.allowedRegions)
                return .failure(.validation(failure))
            }
            if let problem = await auditRefusal() { return .failure(problem) }
            return await forward(surface, &draft) {
                try await self.client.launchManualCalls(serviceId: serviceId, calls.request, requestId: requestId, logger: logger)
            }
                .flatMap { surface == .compatible ? Self.passThrough($0) : Self.v1Launched($0, serviceId: serviceId, calls: calls) }
        case .scheduleCallback(let serviceId, let surface):
            let body: JSONValue
            switch await readJSON(request) {
            case .success(let value): body = value
            case .failure(let problem): return .failure(problem)
            }
            var callback: RequestValidator.Callback
            switch configuration.validator.callback(body, surface: surface == .v1 ? .v1 : .compatible, nowMillis: nowMillis()) {
            case .success(let valid):
                callback = valid
                draft.phones = [valid.phone.national]
                draft.entryCount = 1
            case .failure(let failure):
                draft.noteRefused(body, failure: failure, surface: surface, allowed: configuration.validator.allowedRegions)
                return .failure(.validation(failure))
            }
            if principal.role == .agent {
                switch Self.applyAgentRule(principal, to: &callback) {
                case .success: break
                case .failure(let problem): return .failure(problem)
                }
            }
            let accepted = callback
            if let problem = await auditRefusal() { return .failure(problem) }
            return await forward(surface, &draft) {
                try await self.client.scheduleCallback(serviceId: serviceId, accepted.request, requestId: requestId, logger: logger)
            }
                .flatMap { surface == .compatible ? Self.passThrough($0) : Self.v1Scheduled($0, serviceId: serviceId, callback: accepted) }
        case .audit:
            return await auditQuery(request)
        case .auditVerify:
            return await auditVerify()
        case .deliveries, .delivery, .deliveryRetry:
            return await deliveryRoute(route, request)
        case .health, .readiness, .openAPI, .metrics, .webhook:
            preconditionFailure("answered by handle")
        }
    }

    // MARK: Authentication and authorization

    private func authenticate(_ request: GatewayRequest, route: GatewayRoute) -> Result<Principal, Problem> {
        var presented: String?
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { presented = String(parts[1]) }
        }
        if presented == nil { presented = request.header("x-api-key") }
        if presented == nil, case .compatible? = route.surface { presented = request.header("lv-access") }
        guard let presented else {
            return .failure(Self.unauthenticated("Send an API key as 'Authorization: Bearer cgk_...' or 'X-API-Key: cgk_...'."))
        }
        if let jwt, JWTAuthenticator.isCandidate(presented) {
            return jwt.authenticate(token: presented).mapError { refusal in
                refusal.status == 401 ? Self.unauthenticated(refusal.message) : Problem(403, .forbiddenToken, refusal.message)
            }
        }
        guard let principal = keys.authenticate(key: presented) else {
            return .failure(Self.unauthenticated("The API key is not valid: it is unknown, revoked or mistyped."))
        }
        return .success(principal)
    }

    static func unauthenticated(_ detail: String) -> Problem {
        Problem(401, .unauthenticated, detail)
    }

    private func authorize(_ principal: Principal, _ route: GatewayRoute) -> Problem? {
        guard let operation = route.operation else { return nil }
        return authorize(principal, operation: operation, serviceId: route.serviceId)
    }

    /// The role check for `operation`, then the service check when there is a service.
    func authorize(_ principal: Principal, operation: GatewayOperation, serviceId: Int64?) -> Problem? {
        guard RolePolicy.allows(principal.role, operation) else {
            return Problem(403, .forbiddenRole, RolePolicy.refusalDetail(principal.role, operation))
        }
        guard let serviceId else { return nil }
        guard principal.mayUse(serviceId: serviceId) else {
            let allowed = (principal.services ?? []).sorted().map(String.init).joined(separator: ", ")
            return Problem(403, .forbiddenService, "The key '\(principal.name)' may not use service \(serviceId); its services: \(allowed).")
        }
        return nil
    }

    /// An Agent schedules callbacks for itself only: its own login id is filled in when absent.
    static func applyAgentRule(_ principal: Principal, to callback: inout RequestValidator.Callback) -> Result<Void, Problem> {
        guard let own = principal.agentLoginId else {
            return .failure(Problem(403, .forbiddenAgent, "The Agent key '\(principal.name)' has no agentLoginId configured."))
        }
        if let requested = callback.request.agentLoginId, requested != own {
            return .failure(Problem(403, .forbiddenAgent,
                                    "An Agent may schedule callbacks only for itself: this key is agent '\(own)', the request names '\(requested)'."))
        }
        var request = callback.request
        request.agentLoginId = own
        callback = RequestValidator.Callback(request: request, phone: callback.phone, warnings: callback.warnings)
        return .success(())
    }

    // MARK: Body

    private func readJSON(_ request: GatewayRequest) async -> Result<JSONValue, Problem> {
        await readBody(request).flatMap { parseJSON(request, $0) }
    }

    /// The body's bytes, up to the limit (413 above).
    func readBody(_ request: GatewayRequest) async -> Result<[UInt8], Problem> {
        do {
            return .success(try await request.readBody(configuration.maxBodyBytes))
        } catch is BodyTooLarge {
            return .failure(Problem(413, .bodyTooLarge, "The body is larger than \(configuration.maxBodyBytes) bytes."))
        } catch is BodyMalformed {
            return .failure(Problem(400, .malformedJSON,
                                    "The body's HTTP framing is broken (for example a chunk size that is not hexadecimal); the connection is closed after this answer."))
        } catch {
            return .failure(Problem(400, .malformedJSON, "The body could not be read: the connection ended before it was complete."))
        }
    }

    /// The body as JSON, after checking that it says it is JSON (415 otherwise).
    func parseJSON(_ request: GatewayRequest, _ bytes: [UInt8]) -> Result<JSONValue, Problem> {
        let contentType = request.header("content-type")?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { String($0.filter { $0 != " " && $0 != "\t" }) } ?? ""
        guard mediaType == "application/json" else {
            return .failure(Problem(415, .unsupportedMediaType,
                                    mediaType.isEmpty ? "Send the body as JSON with 'Content-Type: application/json'."
                                                      : "'\(mediaType)' is not accepted; send the body as JSON with 'Content-Type: application/json'."))
        }
        do throws(MalformedJSON) {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(.malformed(error))
        }
    }

    // MARK: Forwarding

    /// Calls LiveVox and notes for the audit what happened upstream.
    private func forward<Model>(
        _ surface: GatewayRoute.Surface,
        _ draft: inout AuditDraft,
        _ call: @Sendable () async throws -> LiveVoxResponse<Model>
    ) async -> Result<LiveVoxResponse<Model>, Problem> {
        do {
            let response = try await call()
            draft.upstreamStatus = response.status
            draft.upstreamAttempts = response.attempts
            draft.upstreamLatency = response.upstreamLatency
            return .success(response)
        } catch let error as LiveVoxError {
            draft.upstreamStatus = error.upstreamStatus
            draft.upstreamAttempts = error.attempts
            draft.upstreamLatency = error.upstreamLatency
            draft.upstreamMayHaveActed = error.upstreamMayHaveActed
            return .failure(Self.problem(for: error))
        } catch {
            return .failure(Problem(502, .upstreamError, "The call to LiveVox failed: \(error)."))
        }
    }

    /// A mutating request is refused before it reaches LiveVox while the audit trail cannot be
    /// written: nothing runs unaudited.
    private func auditRefusal() async -> Problem? {
        guard let audit, !(await audit.isWritable()) else { return nil }
        var problem = Problem(503, .auditUnavailable,
                              "The audit trail cannot be written, so nothing is sent to LiveVox; retry when /readyz answers 200.")
        problem.retryAfterSeconds = 5
        return problem
    }

    static func auditUnavailable(after event: AuditEvent) -> Problem {
        var problem = Problem(503, .auditUnavailable,
                              event.draft.upstreamAttempts > 0 && event.isMutating
                                ? "The audit trail could not record this request after LiveVox was called; LiveVox may have acted. The request id identifies it in the service log."
                                : "The audit trail could not record this request, so it was not answered; retry when /readyz answers 200.")
        problem.retryAfterSeconds = 5
        return problem
    }

    static func problem(for error: LiveVoxError) -> Problem {
        let code: Problem.Code = switch error.gatewayStatus {
        case 504: .upstreamTimeout
        case 503: .upstreamUnavailable
        default: .upstreamError
        }
        var problem = Problem(error.gatewayStatus, code, error.detail)
        problem.upstream = Problem.Upstream(status: error.upstreamStatus, code: error.upstreamCode,
                                            message: error.upstreamMessage, attempts: error.attempts)
        problem.retryAfterSeconds = error.retryAfterSeconds
        return problem
    }

    // MARK: Rendering

    static func render(_ problem: Problem, requestId: String, instance: String) -> GatewayResponse {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/problem+json")]
        if problem.status == 401 { headers.append(("WWW-Authenticate", #"Bearer realm="CallGate""#)) }
        if let seconds = problem.retryAfterSeconds { headers.append(("Retry-After", String(seconds))) }
        if !problem.allowedMethods.isEmpty { headers.append(("Allow", problem.allowedMethods.joined(separator: ", "))) }
        return GatewayResponse(status: problem.status, headers: headers, body: problem.body(requestId: requestId, instance: instance))
    }

    static func json(_ status: Int, _ body: [UInt8]) -> GatewayResponse {
        GatewayResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }

    /// The compatible surface answers with LiveVox's own status, content type and bytes; a success
    /// whose body is not the model LiveVox defines is LiveVox failing (502), not something to relay.
    static func passThrough<Model>(_ response: LiveVoxResponse<Model>) -> Result<GatewayResponse, Problem> {
        if response.isSuccess, Model.self != LiveVoxNoContent.self {
            do { _ = try response.model() } catch { return .failure(undecodable(attempts: response.attempts)) }
        }
        var headers: [(name: String, value: String)] = []
        // Room for X-Request-ID too, which `respond` adds: one allocation, not two.
        headers.reserveCapacity(2)
        // Relayed only when it is plain visible ASCII: the HTTP layer writes headers unvalidated.
        if let contentType = response.contentType, !response.body.isEmpty,
           contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            headers.append(("Content-Type", contentType))
        }
        return .success(GatewayResponse(status: response.status, headers: headers, body: response.body))
    }
}

extension GatewayRoute {
    /// Whether requests on the route are recorded in the audit trail: every LiveVox operation
    /// (refused or not); not the probes and the contract, which are read by machines all day.
    var isAudited: Bool {
        switch self {
        case .queueStats, .nonAttemptedManualCalls, .launchManualCalls, .scheduleCallback, .audit, .auditVerify,
             .webhook, .deliveries, .delivery, .deliveryRetry: true
        case .health, .readiness, .openAPI, .metrics: false
        }
    }

    /// The name metrics and the audit give the route: the policy's operation, or the probe's name.
    var operationName: String {
        switch self {
        case .health: "health"
        case .readiness: "readiness"
        case .openAPI: "openapi"
        case .metrics: "metrics"
        default: operation?.rawValue ?? "unknown"
        }
    }

    /// Whether the route asks LiveVox to act (launch calls, schedule a callback).
    var isMutating: Bool {
        switch self {
        case .launchManualCalls, .scheduleCallback: true
        default: false
        }
    }

    /// The surface of a LiveVox operation.
    var surface: Surface? {
        switch self {
        case .queueStats(_, let surface), .nonAttemptedManualCalls(_, let surface),
             .launchManualCalls(_, let surface), .scheduleCallback(_, let surface): surface
        case .health, .readiness, .openAPI, .metrics, .audit, .auditVerify, .webhook, .deliveries, .delivery, .deliveryRetry: nil
        }
    }
}
