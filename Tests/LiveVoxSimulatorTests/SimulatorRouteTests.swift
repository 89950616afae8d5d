import Testing
@testable import LiveVoxSimulator

@Suite("Routing of LiveVox paths")
struct SimulatorRouteTests {
    @Test("Each documented path, with and without a version segment, names its operation", arguments: [
        ("POST", "/session/login", nil, SimulatorRoute.login),
        ("POST", "/session/v6.0/login", nil, .login),
        ("GET", "/session/validate/abc", nil, .validate(sessionId: "abc")),
        ("GET", "/session/v10.25/validate/abc", nil, .validate(sessionId: "abc")),
        ("DELETE", "/session/logout/abc", nil, .logout(sessionId: "abc")),
        ("GET", "/callControl/supervisor/calls/queue/21429", nil, .queueStats(serviceId: "21429")),
        ("GET", "/callControl/v6.0/supervisor/calls/queue/21429", nil, .queueStats(serviceId: "21429")),
        ("GET", "/callControl/supervisor/calls/queue", "serviceId=50123", .queueStats(serviceId: "50123")),
        ("GET", "/callControl/supervisor/calls/queue", "x=1", .queueStats(serviceId: nil)),
        ("GET", "/callControl/supervisor/calls/50123/GetNonAttemptedManualCalls", nil, .nonAttemptedCalls(serviceId: "50123")),
        ("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", nil, .launchManualCalls(serviceId: "21429")),
        ("POST", "/callControl/v6.0/supervisor/calls/112231/ScheduleCallback", nil, .scheduleCallback(serviceId: "112231")),
        ("GET", "/callControl/supervisor/calls/21429/LaunchManualCalls", nil, .methodNotAllowed(allowed: "POST")),
        ("GET", "/session/login", nil, .methodNotAllowed(allowed: "POST")),
        ("GET", "/session/6.0/login", nil, .notFound),
        ("GET", "/session/v6/login", nil, .notFound),
        ("GET", "/callControl/supervisor/calls/21429/Other", nil, .notFound),
        ("GET", "/", nil, .notFound),
        ("GET", "/_sim/requests", nil, .control(.listRequests)),
        ("POST", "/_sim/faults", nil, .control(.addFault)),
        ("DELETE", "/_sim/faults/3", nil, .control(.removeFault(id: "3"))),
        ("PUT", "/_sim/faults", nil, .methodNotAllowed(allowed: "GET, POST, DELETE")),
    ] as [(String, String, String?, SimulatorRoute)])
    func parsesRoute(method: String, path: String, query: String?, expected: SimulatorRoute) {
        #expect(SimulatorRoute.parse(method: method, path: path, query: query) == expected)
    }

    @Test("A version segment is v, digits, a dot and digits", arguments: [
        ("v6.0", true), ("v10.25", true), ("v6", false), ("6.0", false), ("v6.", false), ("v.0", false), ("v6.0.1", false), ("V6.0", false),
    ])
    func versionSegment(segment: String, isVersion: Bool) {
        #expect(SimulatorRoute.isVersionSegment(segment) == isVersion)
    }
}
