import CurlTransport

/// Why an exchange produced no HTTP answer, as far as the LiveVox protocol cares: the curl
/// transport's codes folded into what maps to one ``LiveVoxError/Code`` each.
public enum LiveVoxTransportFailure: String, Sendable, Hashable, CaseIterable {
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

    /// The failure a curl transport code stands for; whether the request left is carried by the
    /// transport's error itself.
    public init(_ code: CurlTransportError.Code) {
        switch code {
        case .nameResolution: self = .nameResolution
        case .connectionRefused: self = .connectionRefused
        case .connectFailed: self = .connectFailed
        case .connectTimeout, .queueTimeout, .timedOut: self = .timedOut
        case .connectionLost: self = .connectionLost
        case .invalidResponse, .responseTooLarge: self = .invalidResponse
        case .cancelled: self = .cancelled
        case .invalidRequest, .shutdown, .invalidConfiguration, .other: self = .other
        }
    }
}
