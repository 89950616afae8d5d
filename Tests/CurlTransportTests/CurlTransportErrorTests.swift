import CCurl
import Testing
@testable import CurlTransport

@Suite("Failed transfers are classified by whether the request can have reached the server")
struct CurlTransportErrorTests {
    @Test("libcurl results map to stable codes", arguments: [
        (CURLE_COULDNT_RESOLVE_HOST, false, CurlTransportError.Code.nameResolution, true),
        (CURLE_COULDNT_CONNECT, false, .connectionRefused, true),
        (CURLE_OPERATION_TIMEDOUT, false, .connectTimeout, true),
        (CURLE_SSL_CONNECT_ERROR, false, .connectFailed, true),
        (CURLE_PEER_FAILED_VERIFICATION, false, .connectFailed, true),
        (CURLE_RECV_ERROR, false, .connectFailed, true),
        (CURLE_UNSUPPORTED_PROTOCOL, false, .invalidRequest, true),
        (CURLE_URL_MALFORMAT, false, .invalidRequest, true),
        (CURLE_OPERATION_TIMEDOUT, true, .timedOut, false),
        (CURLE_RECV_ERROR, true, .connectionLost, false),
        (CURLE_SEND_ERROR, true, .connectionLost, false),
        (CURLE_GOT_NOTHING, true, .connectionLost, false),
        (CURLE_PARTIAL_FILE, true, .connectionLost, false),
        (CURLE_WEIRD_SERVER_REPLY, true, .invalidResponse, false),
        (CURLE_FILESIZE_EXCEEDED, true, .responseTooLarge, false),
        (CURLE_ABORTED_BY_CALLBACK, true, .other, false),
    ])
    func classification(result: CURLcode, started: Bool, code: CurlTransportError.Code, neverSent: Bool) {
        let error = CurlTransportError(curlCode: result, requestStarted: started, bodyLimitExceeded: false, resendRefused: false, limit: 10, message: "")
        #expect(error.code == code)
        #expect(error.requestNeverSent == neverSent)
        #expect(error.curlCode == Int(result.rawValue))
    }

    @Test("A write error raised by the body limit is reported as responseTooLarge with the limit")
    func bodyLimit() {
        let error = CurlTransportError(curlCode: CURLE_WRITE_ERROR, requestStarted: true, bodyLimitExceeded: true, resendRefused: false, limit: 1024, message: "")
        #expect(error.code == .responseTooLarge)
        #expect(error.detail == "The response body exceeded the limit of 1024 bytes.")
        #expect(error.requestNeverSent == false)
    }

    @Test("A resend refused by the pre-request callback is a lost connection after the request was sent")
    func resendRefused() {
        let error = CurlTransportError(
            curlCode: CURLE_ABORTED_BY_CALLBACK, requestStarted: true, bodyLimitExceeded: false, resendRefused: true, limit: 10, message: "")
        #expect(error.code == .connectionLost)
        #expect(error.requestNeverSent == false)
    }

    @Test("Every code has a distinct stable string")
    func stableStrings() {
        let raw = CurlTransportError.Code.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(CurlTransportError.Code.connectionRefused.rawValue == "connection_refused")
    }
}
