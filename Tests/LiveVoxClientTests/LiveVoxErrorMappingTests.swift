import Testing
import CurlTransport
import LiveVoxClient

@Suite("Mapping upstream failures to gateway statuses")
struct LiveVoxErrorMappingTests {
    @Test("Final upstream statuses map to a code and a gateway status, or pass through", arguments: [
        (200, nil, nil), (204, nil, nil), (400, nil, nil), (403, nil, nil), (404, nil, nil), (409, nil, nil),
        (401, "upstream_session_rejected", 502),
        (429, "upstream_rate_limited", 503),
        (500, "upstream_error", 502),
        (502, "upstream_error", 502),
        (503, "upstream_unavailable", 503),
        (504, "upstream_timeout", 504),
        (599, "upstream_error", 502),
        (302, "upstream_invalid_response", 502),
    ] as [(Int, String?, Int?)])
    func statuses(status: Int, code: String?, gatewayStatus: Int?) {
        let mapped = LiveVoxError.Code.forUpstreamStatus(status, endpoint: .queueStats(serviceId: 1))
        #expect(mapped?.rawValue == code)
        #expect(mapped?.gatewayStatus == gatewayStatus)
    }

    @Test("A login refused with any 4xx but 429 is a login failure (502)", arguments: [400, 401, 403, 404])
    func loginRefused(status: Int) {
        #expect(LiveVoxError.Code.forUpstreamStatus(status, endpoint: .login) == .upstreamLoginFailed)
        #expect(LiveVoxError.Code.upstreamLoginFailed.gatewayStatus == 502)
    }

    @Test("Transport failures map to a code and a gateway status", arguments: [
        (LiveVoxTransportFailure.nameResolution, "upstream_unreachable", 502),
        (.connectionRefused, "upstream_unreachable", 502),
        (.connectFailed, "upstream_unreachable", 502),
        (.timedOut, "upstream_timeout", 504),
        (.connectionLost, "upstream_connection_lost", 502),
        (.invalidResponse, "upstream_connection_lost", 502),
        (.other, "upstream_connection_lost", 502),
        (.cancelled, "upstream_call_cancelled", 503),
    ])
    func transport(kind: LiveVoxTransportFailure, code: String, gatewayStatus: Int) {
        let mapped = LiveVoxError.Code.forTransportFailure(kind)
        #expect(mapped.rawValue == code)
        #expect(mapped.gatewayStatus == gatewayStatus)
    }

    @Test("Every curl transport code folds into one transport failure", arguments: [
        (CurlTransportError.Code.nameResolution, LiveVoxTransportFailure.nameResolution),
        (.connectionRefused, .connectionRefused), (.connectFailed, .connectFailed),
        (.connectTimeout, .timedOut), (.queueTimeout, .timedOut), (.timedOut, .timedOut),
        (.connectionLost, .connectionLost), (.invalidResponse, .invalidResponse), (.responseTooLarge, .invalidResponse),
        (.cancelled, .cancelled), (.invalidRequest, .other), (.shutdown, .other), (.invalidConfiguration, .other),
        (.other, .other),
    ])
    func curlCodes(code: CurlTransportError.Code, failure: LiveVoxTransportFailure) {
        #expect(LiveVoxTransportFailure(code) == failure)
    }

    @Test("Every gateway status is 502, 503 or 504")
    func gatewayStatuses() {
        #expect(Set(LiveVoxError.Code.allCases.map(\.gatewayStatus)) == [502, 503, 504])
    }

    @Test("The detail names what the upstream said, and Retry-After rounds up to whole seconds")
    func detail() {
        let error = LiveVoxError(
            code: .upstreamUnavailable, operation: "queueStats", upstreamStatus: 503, upstreamCode: 7001,
            upstreamMessage: "Maintenance", retryAfter: .milliseconds(1500), attempts: 4)
        #expect(error.detail == "LiveVox is unavailable. LiveVox answered 503: Maintenance (code 7001).")
        #expect(error.retryAfterSeconds == 2)
        #expect(error.codeString == "upstream_unavailable")
        #expect(error.gatewayStatus == 503)
    }
}

@Suite("Upstream paths")
struct LiveVoxEndpointTests {
    @Test("Paths put the version prefix after the category", arguments: [
        (LiveVoxEndpoint.login, "", "/session/login"),
        (.login, "v6.0", "/session/v6.0/login"),
        (.login, "/v6.0/", "/session/v6.0/login"),
        (.logout(sessionId: "abc 1/2"), "/v6.0", "/session/v6.0/logout/abc%201%2F2"),
        (.queueStats(serviceId: 21429), "", "/callControl/supervisor/calls/queue/21429"),
        (.queueStats(serviceId: 21429), "v6.0", "/callControl/v6.0/supervisor/calls/queue/21429"),
        (.nonAttemptedManualCalls(serviceId: 50123), "", "/callControl/supervisor/calls/50123/GetNonAttemptedManualCalls"),
        (.launchManualCalls(serviceId: 21429), "v6.0", "/callControl/v6.0/supervisor/calls/21429/LaunchManualCalls"),
        (.scheduleCallback(serviceId: 112231), "", "/callControl/supervisor/calls/112231/ScheduleCallback"),
    ])
    func paths(endpoint: LiveVoxEndpoint, prefix: String, path: String) {
        #expect(endpoint.path(prefix: prefix, queueStatsStyle: .pathSegment) == path)
    }

    @Test("Queue stats can name the service in the query instead")
    func queueStatsQuery() {
        #expect(LiveVoxEndpoint.queueStats(serviceId: 21429).path(prefix: "v6.0", queueStatsStyle: .queryParameter)
            == "/callControl/v6.0/supervisor/calls/queue?serviceId=21429")
    }

    @Test("Methods and idempotency", arguments: [
        (LiveVoxEndpoint.login, "POST", true),
        (.logout(sessionId: "s"), "DELETE", true),
        (.queueStats(serviceId: 1), "GET", true),
        (.nonAttemptedManualCalls(serviceId: 1), "GET", true),
        (.launchManualCalls(serviceId: 1), "POST", false),
        (.scheduleCallback(serviceId: 1), "POST", false),
    ])
    func methods(endpoint: LiveVoxEndpoint, method: String, idempotent: Bool) {
        #expect(endpoint.method == method)
        #expect(endpoint.isIdempotent == idempotent)
    }
}
