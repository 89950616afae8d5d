/// One request as the gateway sees it, independent of the HTTP server: the head, and a way to
/// read the body that is only used once the caller is authenticated and allowed.
public struct GatewayRequest: Sendable {
    /// The method, e.g. `POST`.
    public var method: String
    /// The path without the query.
    public var path: String
    /// The raw query string without `?`.
    public var query: String?
    /// Header lookup by lowercase name (first value).
    public var header: @Sendable (String) -> String?
    /// Reads the body, refusing more than `limit` bytes with ``BodyTooLarge``.
    public var readBody: @Sendable (_ limit: Int) async throws -> [UInt8]
    /// The peer's IP address, for the audit trail.
    public var clientAddress: String?

    /// Creates a request.
    public init(method: String, path: String, query: String?,
                header: @escaping @Sendable (String) -> String?,
                readBody: @escaping @Sendable (_ limit: Int) async throws -> [UInt8],
                clientAddress: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.header = header
        self.readBody = readBody
        self.clientAddress = clientAddress
    }
}

/// Thrown by a body reader when the body exceeds its limit.
public struct BodyTooLarge: Error, Sendable {
    /// Creates the error.
    public init() {}
}

/// Thrown by a body reader when the body's framing is not HTTP (a broken chunk, for example).
public struct BodyMalformed: Error, Sendable {
    /// Creates the error.
    public init() {}
}

/// The gateway's answer, independent of the HTTP server.
public struct GatewayResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// Headers, in order.
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]
    /// A body produced piece by piece after the head is sent (exports of any size); when set,
    /// `body` is ignored and the answer is sent with chunked transfer encoding.
    public var stream: (@Sendable (any GatewayBodyWriter) async throws -> Void)?

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                stream: (@Sendable (any GatewayBodyWriter) async throws -> Void)? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }
}

/// Where a streamed body goes: each `write` returns once the bytes are handed to the connection,
/// so a slow reader slows the producer down and memory stays bounded.
public protocol GatewayBodyWriter: Sendable {
    /// Sends the next piece of the body.
    func write(_ bytes: [UInt8]) async throws
}
