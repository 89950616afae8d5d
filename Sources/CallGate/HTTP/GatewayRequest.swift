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
    /// The client's IP address: the socket's peer, or behind a trusted proxy the address it
    /// forwarded (the gateway resolves it, `Pipeline/TrustedProxies.swift`). What the failed
    /// authentication throttle counts by, and the audit records.
    public var clientAddress: String?
    /// The socket's peer address, whatever the headers say; the audit records it beside
    /// `clientAddress`.
    public let peerAddress: String?
    /// The subject (RFC 4514) of the client certificate the connection's mutual TLS verified.
    public var clientCertificateSubject: String?

    /// Creates a request; `clientAddress` is the socket's peer address, which is also `peerAddress`.
    public init(method: String, path: String, query: String?,
                header: @escaping @Sendable (String) -> String?,
                readBody: @escaping @Sendable (_ limit: Int) async throws -> [UInt8],
                clientAddress: String? = nil, clientCertificateSubject: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.header = header
        self.readBody = readBody
        self.clientAddress = clientAddress
        peerAddress = clientAddress
        self.clientCertificateSubject = clientCertificateSubject
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

/// Thrown by a body reader when the body stopped arriving for longer than the read timeout.
public struct BodyTimedOut: Error, Sendable {
    /// Creates the error.
    public init() {}
}
