import CallGateCore
import CallGateStorage
import Logging
import LiveVoxClient

/// Answers one request at a time through the stages of ``handle(_:draft:logger:)``
/// (`Pipeline/Gateway+Pipeline.swift`), then measures, audits and stamps the answer. Independent of
/// the HTTP server: the connection (`HTTP/`) hands it a ``GatewayRequest`` and writes the
/// ``GatewayResponse`` back.
public final class Gateway: Sendable {
    let configuration: Configuration
    let authenticator: Authenticator
    /// Where a request's client address comes from: its socket, or a trusted proxy's header.
    let trustedProxies: TrustedProxies
    /// Turns failed authentications past the limit into 429; nil without a limit.
    let throttle: AuthFailureThrottle?
    let rateLimits: RateLimitStage
    let bodies: BodyReader
    let validation: BodyValidation
    /// Refuses (or moves) launches and callbacks outside the calling window.
    let callingWindows: CallingWindowStage
    let forwarder: Forwarder
    let probes: Probes
    let webhookIntake: WebhookIntake?
    let auditEndpoints: AuditEndpoints?
    let deliveryEndpoints: DeliveryEndpoints?
    let callingWindowEndpoint: CallingWindowEndpoint
    let audit: AuditTrail?
    let metrics: GatewayMetrics?
    /// Called when the outbox has a new delivery to send (the delivery worker's `wake`).
    let deliveriesArrived: (@Sendable () -> Void)?
    let nowMillis: @Sendable () -> Int64
    let logger: Logger

    /// Creates the pipeline.
    /// - Parameter audit: where every decision is recorded before its answer is sent, and what
    ///   `/v1/audit` reads; `nil` runs without an audit trail (tests of the pipeline alone).
    /// - Parameter metrics: counts every request; `exposition` renders them for `GET /metrics`
    ///   (404 without it).
    /// - Parameter jwt: accepts JWT bearer tokens (nil: only API keys).
    /// - Parameter webhooks: the webhook sources whose signatures are accepted (nil: webhooks are refused).
    /// - Parameter nowNanos: the rate limits' clock (nil: `nowMillis` in nanoseconds, so that a
    ///   fixed clock decides limits deterministically); rate limits live in `audit`'s store, or in
    ///   this process without one.
    public init(configuration: Configuration, keys: APIKeyStore, jwt: JWTAuthenticator? = nil,
                webhooks: WebhookSourceStore? = nil, deliveriesArrived: (@Sendable () -> Void)? = nil,
                client: LiveVoxClient, audit: AuditTrail? = nil,
                metrics: GatewayMetrics? = nil, exposition: (@Sendable () -> [UInt8])? = nil,
                readiness: @escaping @Sendable () async -> Readiness,
                nowMillis: @escaping @Sendable () -> Int64, nowNanos: (@Sendable () -> Int64)? = nil, logger: Logger) {
        let bodies = BodyReader(maxBodyBytes: configuration.maxBodyBytes, maxBatchSize: configuration.validator.maxBatchSize)
        let rateLimits = RateLimitStage(
            limiter: RateLimiter(store: audit?.rateLimits ?? InProcessRateLimitStore()), defaultLimit: configuration.defaultRateLimit,
            nowNanos: nowNanos ?? { nowMillis() &* 1_000_000 })
        let validation = BodyValidation(validator: configuration.validator, nowMillis: nowMillis)
        self.configuration = configuration
        self.bodies = bodies
        self.rateLimits = rateLimits
        self.validation = validation
        authenticator = Authenticator(keys: keys, jwt: jwt)
        trustedProxies = TrustedProxies(ranges: configuration.trustedProxies)
        throttle = configuration.authFailureLimitPerMinute > 0
            ? AuthFailureThrottle(limitPerMinute: configuration.authFailureLimitPerMinute) : nil
        let callingWindows = CallingWindowStage(gate: configuration.callingWindows, nowMillis: nowMillis, metrics: metrics)
        self.callingWindows = callingWindows
        forwarder = Forwarder(client: client)
        probes = Probes(openAPIDocument: configuration.openAPIDocument, exposition: exposition, readiness: readiness)
        // Webhooks are accepted only into a durable outbox.
        webhookIntake = if let webhooks, audit?.outbox != nil {
            WebhookIntake(sources: webhooks,
                          bodies: BodyReader(maxBodyBytes: configuration.webhookMaxBodyBytes, maxBatchSize: configuration.validator.maxBatchSize),
                          rateLimits: rateLimits, validation: validation, callingWindows: callingWindows, nowMillis: nowMillis)
        } else {
            nil
        }
        auditEndpoints = audit.map { AuditEndpoints(audit: $0, allowedRegions: configuration.validator.allowedRegions) }
        deliveryEndpoints = audit.map { DeliveryEndpoints(outbox: $0.outbox, deliveriesArrived: deliveriesArrived, nowMillis: nowMillis) }
        callingWindowEndpoint = CallingWindowEndpoint(gate: configuration.callingWindows,
                                                      allowedRegions: configuration.validator.allowedRegions, nowMillis: nowMillis)
        self.audit = audit
        self.metrics = metrics
        self.deliveriesArrived = deliveriesArrived
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
        var request = request
        request.clientAddress = trustedProxies.clientAddress(peer: request.peerAddress, header: request.header)
        var draft = AuditDraft(requestId: requestId, arrived: started)
        var response: GatewayResponse
        var problemCode: Problem.Code?
        do {
            response = try await handle(request, draft: &draft, logger: logger)
        } catch {
            problemCode = error.code
            // A refusal before the validator saw the body (a batch too long to parse, a webhook
            // without its service) still records which fields were refused.
            if draft.validationCodes.isEmpty { draft.noteRefused(FieldIssues(error.errors)) }
            response = GatewayResponse.problem(error, requestId: requestId, instance: request.path)
        }
        let elapsed = started.duration(to: .now)
        metrics?.record(operation: draft.operation, status: response.status, duration: elapsed,
                        upstreamAttempts: draft.upstreamAttempts, problem: problemCode?.rawValue)
        if draft.isAudited, let audit {
            response = await record(draft, of: request, answered: response, problem: problemCode, after: elapsed, in: audit)
        }
        if let decision = draft.rateLimit { response.headers.append(contentsOf: decision.headers) }
        response.headers.append(("X-Request-ID", requestId))
        return response
    }
}
