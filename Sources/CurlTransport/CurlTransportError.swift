import CCurl

/// Why a request produced no HTTP response, and whether the server provably never saw it.
///
/// `requestNeverSent` is true only when libcurl never reached the point of sending the request: the
/// name did not resolve, the connection was refused or timed out, the TLS handshake failed, or the
/// request was still waiting for admission. Only then may a caller replay a non-idempotent request.
public struct CurlTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable codes of the transport; the raw value is what logs and problem documents carry.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The host name did not resolve. Never sent.
        case nameResolution = "name_resolution"
        /// Nothing accepted the connection (refused, or the host unreachable). Never sent.
        case connectionRefused = "connection_refused"
        /// The connection was not set up within the connect timeout. Never sent.
        case connectTimeout = "connect_timeout"
        /// The connection failed before the request went out for another reason, e.g. the TLS
        /// handshake or certificate verification. Never sent.
        case connectFailed = "connect_failed"
        /// The request's timeout ran out while it waited for a free transfer slot. Never sent.
        case queueTimeout = "queue_timeout"
        /// The URL or method cannot be sent (malformed, or a scheme other than http and https). Never sent.
        case invalidRequest = "invalid_request"
        /// The request's timeout ran out after it had started on a connection. May have been sent.
        case timedOut = "timed_out"
        /// The response body exceeded `Configuration.maxResponseBodySize`; the transfer was aborted.
        case responseTooLarge = "response_too_large"
        /// The connection broke (reset, closed, nothing received) before the response was complete.
        case connectionLost = "connection_lost"
        /// The server's answer was not valid HTTP.
        case invalidResponse = "invalid_response"
        /// The calling task was cancelled; `requestNeverSent` tells whether it had started.
        case cancelled
        /// The client was shutting down: it refused the request, or abandoned it at the drain deadline.
        case shutdown
        /// The client's settings are unusable; thrown only by `CurlHTTPClient.init`.
        case invalidConfiguration = "invalid_configuration"
        /// Any other libcurl failure; `curlCode` says which.
        case other
    }

    /// What went wrong.
    public var code: Code
    /// True only when the request provably never left this machine.
    public var requestNeverSent: Bool
    /// One sentence for people and logs.
    public var detail: String
    /// The libcurl result code (`CURLcode`) behind this error, when libcurl produced it.
    public var curlCode: Int?

    /// Creates an error.
    public init(code: Code, requestNeverSent: Bool, detail: String, curlCode: Int? = nil) {
        self.code = code
        self.requestNeverSent = requestNeverSent
        self.detail = detail
        self.curlCode = curlCode
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}

extension CurlTransportError {
    /// Classifies a failed transfer from its libcurl result and whether libcurl had called the
    /// pre-request callback, i.e. whether the request had started on an established connection.
    ///
    /// `message` is libcurl's error buffer text when there is one.
    /// `resendRefused` says the pre-request callback ended the transfer rather than let libcurl send
    /// a non-idempotent request a second time.
    init(
        curlCode: CURLcode, requestStarted: Bool, bodyLimitExceeded: Bool, resendRefused: Bool, limit: Int, message: String
    ) {
        let text = message.isEmpty ? String(cString: curl_easy_strerror(curlCode)) : message
        let raw = Int(curlCode.rawValue)
        if resendRefused {
            self.init(code: .connectionLost, requestNeverSent: false,
                      detail: "The connection closed without an answer after the request was sent; it was not sent again.",
                      curlCode: raw)
            return
        }
        if bodyLimitExceeded || curlCode == CURLE_FILESIZE_EXCEEDED {
            self.init(code: .responseTooLarge, requestNeverSent: !requestStarted,
                      detail: "The response body exceeded the limit of \(limit) bytes.", curlCode: raw)
            return
        }
        let code: Code
        if !requestStarted {
            switch curlCode {
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: code = .nameResolution
            case CURLE_COULDNT_CONNECT: code = .connectionRefused
            case CURLE_OPERATION_TIMEDOUT: code = .connectTimeout
            case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT: code = .invalidRequest
            default: code = .connectFailed
            }
        } else {
            switch curlCode {
            case CURLE_OPERATION_TIMEDOUT: code = .timedOut
            case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2_STREAM:
                code = .connectionLost
            case CURLE_WEIRD_SERVER_REPLY, CURLE_HTTP2, CURLE_BAD_CONTENT_ENCODING: code = .invalidResponse
            default: code = .other
            }
        }
        self.init(code: code, requestNeverSent: !requestStarted, detail: text, curlCode: raw)
    }

    /// The request's timeout ran out before a transfer slot became free.
    static let queueTimeout = CurlTransportError(
        code: .queueTimeout, requestNeverSent: true,
        detail: "The request timed out waiting for a free transfer slot; it was never sent.")

    /// The calling task was cancelled.
    static func cancelled(requestStarted: Bool) -> CurlTransportError {
        CurlTransportError(
            code: .cancelled, requestNeverSent: !requestStarted,
            detail: requestStarted ? "The request was cancelled after it had started." : "The request was cancelled before it was sent.")
    }

    /// The client refused or abandoned the request while shutting down.
    static func shutdown(requestStarted: Bool) -> CurlTransportError {
        CurlTransportError(
            code: .shutdown, requestNeverSent: !requestStarted,
            detail: requestStarted
                ? "The client shut down and abandoned the request at the drain deadline."
                : "The client is shutting down and did not send the request.")
    }
}
