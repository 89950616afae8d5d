import CallGateCore

/// An upstream failure: what LiveVox said (or that it said nothing), which status the gateway
/// answers its own caller with (502, 503 or 504), how long that caller should wait, and how many
/// attempts were made. The gateway renders it as a problem document.
///
/// Upstream answers that are the caller's business (2xx and 4xx other than 401 and 429) are not
/// errors: they come back as a ``LiveVoxResponse`` so their bytes can be passed through.
public struct LiveVoxError: CodedError {
    /// The stable codes of upstream failures.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No connection could be made (refused, unresolvable, TLS failure).
        case upstreamUnreachable = "upstream_unreachable"
        /// The connection broke, or the answer was not HTTP, before a complete answer arrived.
        case upstreamConnectionLost = "upstream_connection_lost"
        /// The upstream did not answer in time, answered 504, or the operation's deadline passed.
        case upstreamTimeout = "upstream_timeout"
        /// The upstream answered 503.
        case upstreamUnavailable = "upstream_unavailable"
        /// The upstream answered 429 and kept doing so.
        case upstreamRateLimited = "upstream_rate_limited"
        /// The upstream answered 500, 502 or another 5xx.
        case upstreamError = "upstream_error"
        /// The upstream refused a fresh session (401 after a new login and a replay).
        case upstreamSessionRejected = "upstream_session_rejected"
        /// The upstream refused the gateway's login (wrong token, client, user or password).
        case upstreamLoginFailed = "upstream_login_failed"
        /// The upstream's answer could not be understood where the client must read it (the login).
        case upstreamInvalidResponse = "upstream_invalid_response"
        /// The circuit breaker is open: the upstream kept failing, so no request was sent.
        case circuitOpen = "upstream_circuit_open"
        /// The caller went away (its task was cancelled) before the operation ended.
        case cancelled = "upstream_call_cancelled"

        /// The status the gateway answers with.
        public var gatewayStatus: Int {
            switch self {
            case .upstreamTimeout: 504
            case .upstreamUnavailable, .upstreamRateLimited, .circuitOpen, .cancelled: 503
            case .upstreamUnreachable, .upstreamConnectionLost, .upstreamError, .upstreamSessionRejected,
                 .upstreamLoginFailed, .upstreamInvalidResponse: 502
            }
        }

        /// One sentence for the problem document.
        public var sentence: String {
            switch self {
            case .upstreamUnreachable: "LiveVox could not be reached."
            case .upstreamConnectionLost: "The connection to LiveVox broke before it answered."
            case .upstreamTimeout: "LiveVox did not answer in time."
            case .upstreamUnavailable: "LiveVox is unavailable."
            case .upstreamRateLimited: "LiveVox is limiting the rate of requests."
            case .upstreamError: "LiveVox failed to handle the request."
            case .upstreamSessionRejected: "LiveVox rejected the gateway's session even after a new login."
            case .upstreamLoginFailed: "LiveVox refused the gateway's login; its credentials or access token are wrong."
            case .upstreamInvalidResponse: "LiveVox answered with something the gateway could not read."
            case .circuitOpen: "LiveVox has been failing, so the gateway is not sending requests for a while."
            case .cancelled: "The request was abandoned before LiveVox answered."
            }
        }

        /// The code for an upstream status the client does not pass through, or `nil` when it does.
        /// Call it with the final status of an operation (after replays and retries).
        public static func forUpstreamStatus(_ status: Int, endpoint: LiveVoxEndpoint) -> Code? {
            switch status {
            case 401: endpoint == .login ? .upstreamLoginFailed : .upstreamSessionRejected
            case 400..<500 where endpoint == .login: .upstreamLoginFailed
            case 429: .upstreamRateLimited
            case 503: .upstreamUnavailable
            case 504: .upstreamTimeout
            case 500...599: .upstreamError
            case 200..<300, 400..<500: nil
            default: .upstreamInvalidResponse
            }
        }

        /// The code for a transport failure.
        public static func forTransportFailure(_ kind: LiveVoxTransportFailure) -> Code {
            switch kind {
            case .nameResolution, .connectionRefused, .connectFailed: .upstreamUnreachable
            case .timedOut: .upstreamTimeout
            case .connectionLost, .invalidResponse, .other: .upstreamConnectionLost
            case .cancelled: .cancelled
            }
        }
    }

    /// The stable code.
    public var code: Code
    /// The operation that failed, e.g. `launchManualCalls` (see ``LiveVoxEndpoint/operationName``).
    public var operation: String
    /// The upstream's last status, when it answered.
    public var upstreamStatus: Int?
    /// The `code` of the upstream's error body, when present.
    public var upstreamCode: Int?
    /// The `message` of the upstream's error body, when present.
    public var upstreamMessage: String?
    /// The transport's failure, when the upstream did not answer.
    public var transportFailure: LiveVoxTransportFailure?
    /// How long the gateway's caller should wait before trying again, when known.
    public var retryAfter: Duration?
    /// Exchanges with the upstream made for the operation (0 when the breaker refused the first).
    public var attempts: Int
    /// Time spent waiting for the upstream across the attempts (waits between attempts excluded).
    public var upstreamLatency: Duration
    /// False only when the upstream provably did not act on the request: it never received it,
    /// or answered with a status that means it did nothing. True means "perhaps": an audit must say so.
    public var upstreamMayHaveActed: Bool

    /// Creates an error.
    public init(
        code: Code, operation: String, upstreamStatus: Int? = nil, upstreamCode: Int? = nil,
        upstreamMessage: String? = nil, transportFailure: LiveVoxTransportFailure? = nil,
        retryAfter: Duration? = nil, attempts: Int, upstreamLatency: Duration = .zero,
        upstreamMayHaveActed: Bool = false
    ) {
        self.code = code
        self.operation = operation
        self.upstreamStatus = upstreamStatus
        self.upstreamCode = upstreamCode
        self.upstreamMessage = upstreamMessage
        self.transportFailure = transportFailure
        self.retryAfter = retryAfter
        self.attempts = attempts
        self.upstreamLatency = upstreamLatency
        self.upstreamMayHaveActed = upstreamMayHaveActed
    }

    /// The status the gateway answers with: 502, 503 or 504.
    public var gatewayStatus: Int { code.gatewayStatus }

    /// `Retry-After` for the gateway's answer, in whole seconds rounded up, when known.
    public var retryAfterSeconds: Int? {
        guard let retryAfter else { return nil }
        let (seconds, attoseconds) = retryAfter.components
        return Int(clamping: attoseconds > 0 ? seconds + 1 : seconds)
    }

    /// The code's sentence, followed by what the upstream said.
    public var detail: String {
        var text = code.sentence
        if let upstreamStatus { text += " LiveVox answered \(upstreamStatus)" }
        if let upstreamMessage {
            text += upstreamStatus == nil ? " LiveVox said: \(upstreamMessage)" : ": \(upstreamMessage)"
        }
        if let upstreamCode { text += " (code \(upstreamCode))" }
        if upstreamStatus != nil || upstreamMessage != nil || upstreamCode != nil { text += "." }
        return text
    }
}
