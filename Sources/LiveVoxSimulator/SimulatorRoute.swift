import Foundation

/// What a request asks for, decided from its method and path alone, so the table of paths is
/// one pure function with its own tests.
///
/// LiveVox paths are `/{category}/{resource}`; client code in the wild puts a version segment
/// after the category (`/session/v6.0/login`, `/callControl/v6.0/...`), so an optional
/// `v<digits>.<digits>` segment is accepted there.
enum SimulatorRoute: Equatable, Sendable {
    case login
    case validate(sessionId: String)
    case logout(sessionId: String)
    /// The service id as written in the path or query; `nil` when the query lacks `serviceId`.
    case queueStats(serviceId: String?)
    case nonAttemptedCalls(serviceId: String)
    case launchManualCalls(serviceId: String)
    case scheduleCallback(serviceId: String)
    case control(ControlRoute)
    case methodNotAllowed(allowed: String)
    case notFound

    /// The `/_sim/` control endpoints.
    enum ControlRoute: Equatable, Sendable {
        case listRequests, clearRequests
        case listLaunches, listCallbacks
        case listFaults, addFault, clearFaults
        case removeFault(id: String)
        case listLaunchFailures, addLaunchFailure, clearLaunchFailures
        case removeLaunchFailure(id: String)
        case expireSessions
        case readClock, setClock
        case readService(id: String), updateService(id: String)
        case reset
    }

    /// The prefix of every control endpoint.
    static let controlPrefix = "/_sim"

    /// Parses a request line; `query` is the raw query string without `?`.
    static func parse(method: String, path: String, query: String?) -> SimulatorRoute {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let category = segments.first else { return .notFound }
        switch category {
        case "_sim":
            return parseControl(method: method, segments: Array(segments.dropFirst()))
        case "session":
            return parseSession(method: method, segments: dropVersion(Array(segments.dropFirst())))
        case "callControl":
            return parseCallControl(method: method, segments: dropVersion(Array(segments.dropFirst())), query: query)
        default:
            return .notFound
        }
    }

    /// Whether a path segment is a version such as `v6.0`.
    static func isVersionSegment(_ segment: String) -> Bool {
        let parts = segment.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        return segment.first == "v" && parts.count == 2
            && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }

    private static func dropVersion(_ segments: [String]) -> [String] {
        if let first = segments.first, isVersionSegment(first) { return Array(segments.dropFirst()) }
        return segments
    }

    private static func expect(_ method: String, _ allowed: String, _ route: SimulatorRoute) -> SimulatorRoute {
        method == allowed ? route : .methodNotAllowed(allowed: allowed)
    }

    private static func parseSession(method: String, segments: [String]) -> SimulatorRoute {
        switch segments.count {
        case 1 where segments[0] == "login":
            return expect(method, "POST", .login)
        case 2 where segments[0] == "validate":
            return expect(method, "GET", .validate(sessionId: segments[1]))
        case 2 where segments[0] == "logout":
            return expect(method, "DELETE", .logout(sessionId: segments[1]))
        default:
            return .notFound
        }
    }

    private static func parseCallControl(method: String, segments: [String], query: String?) -> SimulatorRoute {
        guard segments.count >= 3, segments[0] == "supervisor", segments[1] == "calls" else { return .notFound }
        let rest = Array(segments.dropFirst(2))
        switch rest.count {
        case 1 where rest[0] == "queue":
            return expect(method, "GET", .queueStats(serviceId: queryValue("serviceId", in: query)))
        case 2 where rest[0] == "queue":
            return expect(method, "GET", .queueStats(serviceId: rest[1]))
        case 2:
            switch rest[1] {
            case "GetNonAttemptedManualCalls": return expect(method, "GET", .nonAttemptedCalls(serviceId: rest[0]))
            case "LaunchManualCalls": return expect(method, "POST", .launchManualCalls(serviceId: rest[0]))
            case "ScheduleCallback": return expect(method, "POST", .scheduleCallback(serviceId: rest[0]))
            default: return .notFound
            }
        default:
            return .notFound
        }
    }

    private static func parseControl(method: String, segments: [String]) -> SimulatorRoute {
        func either(get: ControlRoute?, post: ControlRoute? = nil, delete: ControlRoute? = nil) -> SimulatorRoute {
            switch method {
            case "GET" where get != nil: return .control(get!)
            case "POST" where post != nil: return .control(post!)
            case "DELETE" where delete != nil: return .control(delete!)
            default:
                let allowed = [(get, "GET"), (post, "POST"), (delete, "DELETE")].compactMap { $0.0 == nil ? nil : $0.1 }
                return .methodNotAllowed(allowed: allowed.joined(separator: ", "))
            }
        }
        switch segments {
        case ["requests"]: return either(get: .listRequests, delete: .clearRequests)
        case ["launches"]: return either(get: .listLaunches)
        case ["callbacks"]: return either(get: .listCallbacks)
        case ["faults"]: return either(get: .listFaults, post: .addFault, delete: .clearFaults)
        case ["launch-failures"]: return either(get: .listLaunchFailures, post: .addLaunchFailure, delete: .clearLaunchFailures)
        case ["sessions", "expire"]: return either(get: nil, post: .expireSessions)
        case ["clock"]: return either(get: .readClock, post: .setClock)
        case ["reset"]: return either(get: nil, post: .reset)
        default:
            if segments.count == 2, segments[0] == "faults" {
                return either(get: nil, delete: .removeFault(id: segments[1]))
            }
            if segments.count == 2, segments[0] == "launch-failures" {
                return either(get: nil, delete: .removeLaunchFailure(id: segments[1]))
            }
            if segments.count == 2, segments[0] == "services" {
                return either(get: .readService(id: segments[1]), post: .updateService(id: segments[1]))
            }
            return .notFound
        }
    }

    /// The first value of `name` in a raw query string, percent-decoded.
    static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.first.map(String.init)?.removingPercentEncoding == name {
                return parts.count == 2 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            }
        }
        return nil
    }
}
