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
