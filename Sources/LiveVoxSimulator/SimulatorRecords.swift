import CallGateCore

/// One request the simulator received (control requests under `/_sim/` are not recorded).
public struct RecordedRequest: Codable, Sendable, Hashable {
    /// One header line, in the order received.
    public struct Header: Codable, Sendable, Hashable {
        /// The header name as sent.
        public var name: String
        /// The header value.
        public var value: String
    }

    /// The method, e.g. `POST`.
    public var method: String
    /// The path without the query.
    public var path: String
    /// The raw query string without `?`, if any.
    public var query: String?
    /// Every header, in order.
    public var headers: [Header]
    /// The body as UTF-8 text (invalid bytes replaced).
    public var body: String
    /// When it arrived, by the simulator's clock (epoch seconds).
    public var receivedAt: Double

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One call entry of a `LaunchManualCalls` request the simulator accepted (answered 204).
public struct AcceptedLaunch: Codable, Sendable, Hashable {
    /// The service it was launched on.
    public var serviceId: Int64
    /// The entry as sent, with the transaction id the simulator assigned when it had none.
    public var entry: CallEntry
    /// When it was accepted (epoch seconds).
    public var acceptedAt: Double
    /// The non-attempted code it was refused with at once (899, 1000, 998), or `nil` when queued.
    public var refusedWithCode: Int?

    enum CodingKeys: String, CodingKey { case serviceId, entry, acceptedAt, refusedWithCode }

    /// Encodes the entry as LiveVox is sent it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serviceId, forKey: .serviceId)
        try c.encode(WireJSON(entry), forKey: .entry)
        try c.encode(acceptedAt, forKey: .acceptedAt)
        try c.encodeIfPresent(refusedWithCode, forKey: .refusedWithCode)
    }
}

/// One `ScheduleCallback` request the simulator accepted (answered 204).
public struct AcceptedCallback: Codable, Sendable, Hashable {
    /// The service it was scheduled on.
    public var serviceId: Int64
    /// The request as sent.
    public var request: ScheduleCallbackRequest
    /// When it was accepted (epoch seconds).
    public var acceptedAt: Double

    enum CodingKeys: String, CodingKey { case serviceId, request, acceptedAt }

    /// Encodes the request as LiveVox is sent it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(serviceId, forKey: .serviceId)
        try c.encode(WireJSON(request), forKey: .request)
        try c.encode(acceptedAt, forKey: .acceptedAt)
    }
}

/// The stable codes of the simulator's LiveVox-style error bodies, `{"code": ..., "message": ...}`.
/// LiveVox does not publish its own codes; these are the simulator's, one per refusal.
public enum SimulatorErrorCode: Int, Sendable, Hashable, CaseIterable {
    /// 401: the `LV-Access` header of a login is missing or wrong.
    case invalidAccessToken = 1001
    /// 401: the login's client name, user name or password is wrong.
    case invalidCredentials = 1002
    /// 401: `LV-Session` is missing, unknown or expired.
    case invalidSession = 1003
    /// 404: no such service.
    case unknownService = 1004
    /// 400: the body or a parameter cannot be read.
    case malformedRequest = 1005
    /// 400: `LaunchManualCalls` on a service on a non-automated queuer.
    case serviceNotAutomated = 1006
    /// 404: no such path.
    case notFound = 1007
    /// 405: the path exists with another method.
    case methodNotAllowed = 1008
    /// 413: the body is larger than the simulator reads.
    case bodyTooLarge = 1009
    /// 404: `validate` or `logout` of a session that does not exist.
    case sessionNotFound = 1010
    /// Any status: an injected `error` or `rateLimit` fault without a body of its own.
    case injectedFault = 1011

    /// The HTTP status answered with this code (an injected fault answers its own status).
    public var status: Int {
        switch self {
        case .invalidAccessToken, .invalidCredentials, .invalidSession: 401
        case .unknownService, .notFound, .sessionNotFound: 404
        case .malformedRequest, .serviceNotAutomated: 400
        case .methodNotAllowed: 405
        case .bodyTooLarge: 413
        case .injectedFault: 500
        }
    }
}
