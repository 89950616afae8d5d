import LiveVoxClient
import Testing

@testable import CallGate

@Suite("Gateway routes")
struct GatewayRouteTests {
    @Test("Every path of both surfaces parses to its route", arguments: [
        ("GET", "/callControl/supervisor/calls/queue/21429", nil, GatewayRoute.queueStats(serviceId: 21429, surface: .compatible)),
        ("GET", "/callControl/supervisor/calls/queue", "serviceId=50123", .queueStats(serviceId: 50123, surface: .compatible)),
        ("HEAD", "/callControl/supervisor/calls/queue/21429", nil, .queueStats(serviceId: 21429, surface: .compatible)),
        ("GET", "/callControl/supervisor/calls/50123/GetNonAttemptedManualCalls", nil, .nonAttemptedManualCalls(serviceId: 50123, surface: .compatible)),
        ("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", nil, .launchManualCalls(serviceId: 21429, surface: .compatible)),
        ("POST", "/callControl/supervisor/calls/112231/ScheduleCallback", nil, .scheduleCallback(serviceId: 112231, surface: .compatible)),
        ("GET", "/v1/services/21429/queue", nil, .queueStats(serviceId: 21429, surface: .v1)),
        ("GET", "/v1/services/21429/non-attempted-calls", "category=busy", .nonAttemptedManualCalls(serviceId: 21429, surface: .v1)),
        ("POST", "/v1/services/21429/manual-calls", nil, .launchManualCalls(serviceId: 21429, surface: .v1)),
        ("POST", "/v1/services/112231/callbacks", nil, .scheduleCallback(serviceId: 112231, surface: .v1)),
        ("GET", "/healthz", nil, .health),
        ("GET", "/readyz", nil, .readiness),
        ("GET", "/openapi.yaml", nil, .openAPI),
    ] as [(String, String, String?, GatewayRoute)])
    func parses(method: String, path: String, query: String?, route: GatewayRoute) throws {
        #expect(try GatewayRoute.parse(method: method, path: path, query: query).get() == route)
    }

    @Test("The method is checked before the service id and the query", arguments: [
        ("DELETE", "/v1/services/abc/queue", nil, 405, Problem.Code.methodNotAllowed),
        ("POST", "/callControl/supervisor/calls/queue", nil, 405, .methodNotAllowed),
        ("GET", "/callControl/supervisor/calls/x/LaunchManualCalls", nil, 405, .methodNotAllowed),
        ("GET", "/v1/services/abc/queue", nil, 400, .invalidServiceId),
        ("GET", "/v1/services/-5/queue", nil, 400, .invalidServiceId),
        ("GET", "/v1/services/99999999999999999999/queue", nil, 400, .invalidServiceId),
        ("GET", "/callControl/supervisor/calls/queue", "other=1", 400, .invalidQuery),
        ("GET", "/v1/services/21429", nil, 404, .notFound),
        ("GET", "/v1/services/21429/queue/extra", nil, 404, .notFound),
        ("GET", "", nil, 404, .notFound),
        ("GET", "/callControl/supervisor/calls/21429/Unknown", nil, 404, .notFound),
    ] as [(String, String, String?, Int, Problem.Code)])
    func refusals(method: String, path: String, query: String?, status: Int, code: Problem.Code) {
        guard case .failure(let problem) = GatewayRoute.parse(method: method, path: path, query: query) else {
            Issue.record("\(method) \(path) parsed")
            return
        }
        #expect(problem.status == status)
        #expect(problem.code == code)
    }

    @Test("A path splits at every slash, empty segments and non-ASCII ones kept", arguments: [
        ("/", [""]),
        ("/healthz", ["healthz"]),
        ("/v1/services/21429/queue", ["v1", "services", "21429", "queue"]),
        ("/v1//services/", ["v1", "", "services", ""]),
        ("/v1/sérvices/ü/x", ["v1", "sérvices", "ü", "x"]),
    ] as [(String, [String])])
    func segments(path: String, expected: [String]) {
        #expect(GatewayRoute.segments(path).map(String.init) == expected)
    }

    @Test("Doubled and trailing slashes are not routes", arguments: [
        ("/", 404, Problem.Code.notFound),
        ("/healthz/", 404, .notFound),
        ("//healthz", 404, .notFound),
        ("/callControl/supervisor/calls/queue/21429/", 404, .notFound),
        ("/v1/services//queue", 400, .invalidServiceId),
    ] as [(String, Int, Problem.Code)])
    func emptySegments(path: String, status: Int, code: Problem.Code) {
        guard case .failure(let problem) = GatewayRoute.parse(method: "GET", path: path, query: nil) else {
            Issue.record("\(path) parsed")
            return
        }
        #expect(problem.status == status)
        #expect(problem.code == code)
    }

    @Test("A 405 lists the allowed methods")
    func allowed() {
        guard case .failure(let problem) = GatewayRoute.parse(method: "PUT", path: "/v1/services/1/queue", query: nil) else {
            Issue.record("parsed")
            return
        }
        #expect(problem.allowedMethods == ["GET", "HEAD"])
        #expect(problem.detail == "/v1/services/1/queue takes GET, not PUT.")
    }
}

@Suite("Compatible surface pass-through")
struct PassThroughTests {
    @Test("LiveVox's status, bytes and visible-ASCII Content-Type are relayed; any other Content-Type is dropped",
          arguments: [
              ("application/json; charset=utf-8", [("Content-Type", "application/json; charset=utf-8")]),
              ("text/plain\r\nSet-Cookie: x=1", []),
              ("application/json\u{7F}", []),
              ("application/jsön", []),
          ])
    func contentType(given: String, relayed: [(String, String)]) throws {
        let body = Array(#"{"code":"NOT_FOUND","message":"no such service"}"#.utf8)
        let response = LiveVoxResponse<LiveVoxNoContent>(
            status: 404, body: body, contentType: given, attempts: 1, upstreamLatency: .milliseconds(2))
        let answer = try CompatibleAnswers.passThrough(response)
        #expect(answer.status == 404)
        #expect(answer.body == body)
        #expect(answer.headers.map { "\($0.name): \($0.value)" } == relayed.map { "\($0.0): \($0.1)" })
    }
}
