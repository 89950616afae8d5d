/// The one door through which `LiveVoxClient` reaches the network: a single HTTP exchange, no
/// retries, no session handling. The production conformer adapts `CurlHTTPClient`; tests script one.
public protocol LiveVoxTransport: Sendable {
    /// Sends one request and returns the upstream's answer, whatever its status.
    func send(_ request: LiveVoxHTTPRequest) async throws(LiveVoxTransportError) -> LiveVoxHTTPResponse
}

/// The HTTP methods the LiveVox protocol uses.
public enum LiveVoxHTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case post = "POST"
    case delete = "DELETE"
}

/// One header line; names compare case-insensitively where the client reads them.
public struct LiveVoxHTTPHeader: Sendable, Hashable {
    /// The header name as sent, e.g. `LV-Session`.
    public var name: String
    /// The header value.
    public var value: String

    /// Creates a header.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One request to the upstream, fully formed: absolute URL, every header, the body bytes.
public struct LiveVoxHTTPRequest: Sendable, Hashable {
    /// The method.
    public var method: LiveVoxHTTPMethod
    /// The absolute URL, e.g. `https://api.livevox.com/callControl/supervisor/calls/queue/21429`.
    public var url: String
    /// The headers, in order.
    public var headers: [LiveVoxHTTPHeader]
    /// The body; empty for GET and DELETE.
    public var body: [UInt8]
    /// How long this one exchange may take, connect included.
    public var timeout: Duration
    /// Whether the transport should send it ahead of the requests waiting for a connection: the
    /// login, which every request after an expired session waits for.
    public var isUrgent: Bool

    /// Creates a request.
    public init(method: LiveVoxHTTPMethod, url: String, headers: [LiveVoxHTTPHeader], body: [UInt8] = [], timeout: Duration,
                isUrgent: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.isUrgent = isUrgent
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// The upstream's answer, as received.
public struct LiveVoxHTTPResponse: Sendable, Hashable {
    /// The HTTP status.
    public var status: Int
    /// The response headers, in order.
    public var headers: [LiveVoxHTTPHeader]
    /// The body bytes, unchanged.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [LiveVoxHTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why an exchange produced no HTTP answer, and whether the upstream provably never saw the request:
/// only then may a non-idempotent request (a POST) be sent again.
public struct LiveVoxTransportError: Error, Sendable, Hashable {
    /// What went wrong, as far as the transport can tell.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The name of the upstream host did not resolve.
        case nameResolution = "name_resolution"
        /// The upstream refused the connection (nothing listens, or a firewall rejects).
        case connectionRefused = "connection_refused"
        /// The connection could not be set up for another reason (unreachable, TLS handshake).
        case connectFailed = "connect_failed"
        /// The exchange took longer than its timeout.
        case timedOut = "timed_out"
        /// The connection closed or reset before a complete answer arrived.
        case connectionLost = "connection_lost"
        /// The answer could not be parsed as HTTP.
        case invalidResponse = "invalid_response"
        /// The exchange was cancelled by the caller.
        case cancelled
        /// Anything else.
        case other
    }

    /// What went wrong.
    public var kind: Kind
    /// True only when the transport can prove no byte of the request reached the upstream
    /// (e.g. the connection was refused or never established).
    public var requestNeverSent: Bool
    /// The transport's own words, for logs.
    public var message: String

    /// Creates an error; `requestNeverSent` defaults to what `kind` proves on its own.
    public init(kind: Kind, requestNeverSent: Bool? = nil, message: String = "") {
        self.kind = kind
        self.requestNeverSent = requestNeverSent ?? kind.provesRequestNeverSent
        self.message = message
    }
}

extension LiveVoxTransportError.Kind {
    /// Whether this kind of failure happens before any request byte can leave the machine.
    public var provesRequestNeverSent: Bool {
        switch self {
        case .nameResolution, .connectionRefused, .connectFailed: true
        case .timedOut, .connectionLost, .invalidResponse, .cancelled, .other: false
        }
    }
}
