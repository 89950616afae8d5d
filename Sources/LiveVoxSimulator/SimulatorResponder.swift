import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// The request context of the simulator's server: the core context, and the connection, which
/// the `drop` fault closes without answering.
public struct SimulatorRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel

    /// Creates the context for one request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// The HTTP edge: reads the request, records it, applies faults, and turns the simulator's
/// answer into a response. Every path goes through here, so nothing a client sends reaches
/// Hummingbird's default 404 or 500.
public struct SimulatorResponder: HTTPResponder {
    /// The largest body the simulator reads; larger ones get 413.
    static let maxBodyBytes = 1 << 20
    let simulator: LiveVoxSimulator

    /// Answers one request.
    public func respond(to request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let headers = request.headers.map { RecordedRequest.Header(name: $0.name.rawName, value: $0.value) }
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: Self.maxBodyBytes).readableBytesView)
        } catch {
            return Self.response(.failure(.bodyTooLarge, "The body is larger than \(Self.maxBodyBytes) bytes."))
        }
        let incoming = IncomingRequest(method: request.method.rawValue, path: request.uri.path,
                                       query: request.uri.query, headers: headers, body: body)
        let route = SimulatorRoute.parse(method: incoming.method, path: incoming.path, query: incoming.query)
        if case .control(let control) = route {
            return Self.response(simulator.control(incoming, route: control))
        }
        let decision = simulator.receive(incoming)
        if decision.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(decision.latencyMilliseconds))
        }
        if let fault = decision.action, fault.afterHandling != true {
            return try await apply(fault, context: context)
        }
        let reply = simulator.answer(incoming, route: route)
        if let fault = decision.action {
            return try await apply(fault, context: context)
        }
        return Self.response(reply)
    }

    private func apply(_ fault: FaultRule, context: SimulatorRequestContext) async throws -> Response {
        if fault.kind == .drop {
            try? await context.channel.close()
            throw DroppedConnection()
        }
        return Self.response(LiveVoxSimulator.reply(for: fault))
    }

    static func response(_ reply: SimulatorReply) -> Response {
        var fields = HTTPFields()
        for header in reply.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(status: .init(code: reply.status), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// Thrown after the `drop` fault closed the connection, so nothing is written.
struct DroppedConnection: Error {}

extension LiveVoxSimulator {
    /// Records a LiveVox request and decides its faults.
    func receive(_ request: IncomingRequest) -> FaultDecision {
        let now = clock.now
        let decision = state.withLock { state in
            state.requests.append(RecordedRequest(
                method: request.method, path: request.path, query: request.query, headers: request.headers,
                body: String(decoding: request.body, as: UTF8.self), receivedAt: now
            ))
            var random = state.random
            defer { state.random = random }
            return state.faults.decide(method: request.method, path: request.path, roll: { random.unitInterval() })
        }
        logger.debug("simulator request", metadata: [
            "http.method": "\(request.method)", "http.path": "\(request.path)",
            "simulator.fault": "\(decision.action?.kind.rawValue ?? "none")",
            "simulator.latency_ms": "\(decision.latencyMilliseconds)",
        ])
        return decision
    }

    /// The answer an `error`, `rateLimit` or `malformed` fault gives.
    static func reply(for fault: FaultRule) -> SimulatorReply {
        let jsonType = RecordedRequest.Header(name: "Content-Type", value: "application/json")
        switch fault.kind {
        case .rateLimit:
            var reply = fault.body.map { SimulatorReply(status: 429, headers: [jsonType], body: Array($0.utf8)) }
                ?? .failure(.injectedFault, "Rate limit exceeded.", status: 429)
            reply.headers.append(.init(name: "Retry-After", value: String(fault.retryAfterSeconds ?? 1)))
            return reply
        case .malformed:
            let body = fault.body ?? #"{"nonAttemptedManualCalls": [{"transactionId": "2746"#
            return SimulatorReply(status: fault.status ?? 200, headers: [jsonType], body: Array(body.utf8))
        case .error, .latency, .drop:
            let status = fault.status ?? 500
            return fault.body.map { SimulatorReply(status: status, headers: [jsonType], body: Array($0.utf8)) }
                ?? .failure(.injectedFault, "Injected fault.", status: status)
        }
    }
}
