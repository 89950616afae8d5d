/// One header line, as sent or received; names keep their spelling and compare as given.
public struct HTTPHeaderField: Sendable, Hashable {
    /// The header name, e.g. `Content-Type`.
    public var name: String
    /// The header value, without surrounding whitespace.
    public var value: String

    /// Creates a header line.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One HTTP request, fully formed: method, absolute URL, headers, body bytes, and how long it may take.
public struct HTTPRequestSpec: Sendable, Hashable {
    /// The method token, e.g. `GET`, `POST`, `DELETE`, as sent on the wire.
    public var method: String
    /// The absolute `http` or `https` URL.
    public var url: String
    /// The headers, in order; `Expect: 100-continue` is suppressed unless one is given here.
    public var headers: [HTTPHeaderField]
    /// The body; sent whenever it is non-empty, and for `POST`, `PUT` and `PATCH` even when empty.
    public var body: [UInt8]
    /// The total time this request may take from `execute` to the last byte, queueing and connecting
    /// included; `nil` takes `Configuration.requestTimeout`.
    public var timeout: Duration?
    /// Whether the request goes ahead of every request waiting for a transfer slot (the slot still
    /// has to free up). For a request the waiting ones depend on, such as a login: behind them it
    /// would wait for all of them, and they for it.
    public var isUrgent: Bool

    /// Creates a request.
    public init(
        method: String = "GET",
        url: String,
        headers: [HTTPHeaderField] = [],
        body: [UInt8] = [],
        timeout: Duration? = nil,
        isUrgent: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.isUrgent = isUrgent
    }
}

/// The upstream's answer as received, whatever its status, with what the transfer cost.
public struct HTTPResponseSpec: Sendable, Hashable {
    /// The HTTP protocol version the answer came in.
    public enum Version: Sendable, Hashable {
        /// HTTP/1.0.
        case http1_0
        /// HTTP/1.1.
        case http1_1
        /// HTTP/2 (negotiated by ALPN over TLS).
        case http2
        /// A version libcurl reported that this type does not name.
        case other
    }

    /// The HTTP status of the final response (informational 1xx responses are skipped).
    public var status: Int
    /// The headers of the final response, in order, as name-value pairs.
    public var headers: [HTTPHeaderField]
    /// The body bytes, unchanged (no content decoding).
    public var body: [UInt8]
    /// The HTTP version of the final response.
    public var version: Version
    /// Wall time of the transfer inside libcurl, from admission to the last byte.
    public var totalTime: Duration
    /// Whether the transfer ran on a connection kept alive from an earlier one.
    public var reusedConnection: Bool

    /// Creates a response.
    public init(
        status: Int,
        headers: [HTTPHeaderField] = [],
        body: [UInt8] = [],
        version: Version = .http1_1,
        totalTime: Duration = .zero,
        reusedConnection: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.version = version
        self.totalTime = totalTime
        self.reusedConnection = reusedConnection
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }
}

extension String {
    /// ASCII case-insensitive equality, as HTTP header names compare.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        func lowered(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return utf8.count == other.utf8.count && zip(utf8, other.utf8).allSatisfy { lowered($0) == lowered($1) }
    }
}
