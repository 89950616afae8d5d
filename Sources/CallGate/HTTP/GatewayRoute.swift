import CallGateCore

/// Every path CallGate answers, parsed from the method and path in one place.
///
/// The compatible surface mirrors the LiveVox reference exactly; `/v1` is CallGate's own.
public enum GatewayRoute: Sendable, Hashable {
    /// `GET .../queue/{serviceId}`, `GET .../queue?serviceId=` or `GET /v1/services/{id}/queue`.
    case queueStats(serviceId: Int64, surface: Surface)
    /// `GET .../{serviceId}/GetNonAttemptedManualCalls` or `GET /v1/services/{id}/non-attempted-calls`.
    case nonAttemptedManualCalls(serviceId: Int64, surface: Surface)
    /// `POST .../{serviceId}/LaunchManualCalls` or `POST /v1/services/{id}/manual-calls`.
    case launchManualCalls(serviceId: Int64, surface: Surface)
    /// `POST .../{serviceId}/ScheduleCallback` or `POST /v1/services/{id}/callbacks`.
    case scheduleCallback(serviceId: Int64, surface: Surface)
    /// `GET /healthz`: the process is up.
    case health
    /// `GET /readyz`: the upstream is logged in and reachable.
    case readiness
    /// `GET /openapi.yaml`: the contract.
    case openAPI
    /// `GET /metrics`: Prometheus text exposition.
    case metrics
    /// `GET /v1/audit`: the audit trail, filtered, newest first (JSON pages, NDJSON or CSV exports).
    case audit
    /// `GET /v1/audit/verify`: the hash chain checked from its start or checkpoint.
    case auditVerify
    /// `POST /v1/webhooks/callbacks` or `/v1/webhooks/manual-calls`: a signed webhook, accepted into
    /// the outbox (`operation` is `.scheduleCallback` or `.launchManualCalls`).
    case webhook(GatewayOperation)
    /// `GET /v1/deliveries`: the outbox's deliveries, newest first, by status.
    case deliveries
    /// `GET /v1/deliveries/{id}`: one delivery.
    case delivery(id: String)
    /// `POST /v1/deliveries/{id}/retry`: a dead or unknown delivery sent again.
    case deliveryRetry(id: String)
    /// `DELETE /v1/deliveries/{id}`: a pending delivery (a deferral waiting for its calling window)
    /// cancelled for good.
    case deliveryCancel(id: String)
    /// `GET /v1/calling-window?serviceId=&phone=...`: whether a call may start, under the service's profile.
    case callingWindow(serviceId: Int64)

    /// The operation the role policy decides, for the LiveVox operations.
    public var operation: GatewayOperation? {
        switch self {
        case .queueStats: .getQueueStats
        case .nonAttemptedManualCalls: .getNonAttemptedManualCalls
        case .launchManualCalls: .launchManualCalls
        case .scheduleCallback: .scheduleCallback
        case .audit, .auditVerify: .readAudit
        case .webhook(let operation): operation
        case .deliveries, .delivery, .deliveryRetry, .deliveryCancel: .administerDeliveries
        case .callingWindow: .checkCallingWindow
        case .health, .readiness, .openAPI, .metrics: nil
        }
    }

    /// The service id in the path, for the LiveVox operations.
    public var serviceId: Int64? {
        switch self {
        case .queueStats(let id, _), .nonAttemptedManualCalls(let id, _), .launchManualCalls(let id, _), .scheduleCallback(let id, _),
             .callingWindow(let id): id
        case .health, .readiness, .openAPI, .metrics, .audit, .auditVerify, .webhook, .deliveries, .delivery, .deliveryRetry, .deliveryCancel: nil
        }
    }

    /// Parses a request line. `query` is the raw query string without `?`.
    ///
    /// Returns a `Problem` for paths CallGate does not have (404), methods a path does not take
    /// (405, with the allowed ones) and service ids that are not positive integers (400).
    public static func parse(method: String, path: String, query: String?) -> Result<GatewayRoute, Problem> {
        guard path.utf8.first == UInt8(ascii: "/") else { return .failure(notFound(path)) }
        let parts = segments(path)

        switch parts.count {
        case 1 where parts[0] == "healthz": return only("GET", method, path, .health)
        case 1 where parts[0] == "readyz": return only("GET", method, path, .readiness)
        case 1 where parts[0] == "openapi.yaml": return only("GET", method, path, .openAPI)
        case 1 where parts[0] == "metrics": return only("GET", method, path, .metrics)
        default: break
        }

        // The compatible surface: /callControl/supervisor/calls/...
        if parts.count >= 4, parts[0] == "callControl", parts[1] == "supervisor", parts[2] == "calls" {
            let rest = parts[3...]
            if rest.count == 1, rest[3] == "queue" {
                return allowing("GET", method, path).flatMap {
                    guard let raw = queryValue("serviceId", in: query) else {
                        return .failure(Problem(400, .invalidQuery,
                            "Queue stats need a service: GET /callControl/supervisor/calls/queue/{serviceId} or ?serviceId={serviceId}."))
                    }
                    return serviceId(raw).map { .queueStats(serviceId: $0, surface: .compatible) }
                }
            }
            guard rest.count == 2 else { return .failure(notFound(path)) }
            let (first, second) = (parts[3], parts[4])
            if first == "queue" {
                return allowing("GET", method, path).flatMap { serviceId(second).map { .queueStats(serviceId: $0, surface: .compatible) } }
            }
            let make: (Int64) -> GatewayRoute
            let allowed: String
            switch second {
            case "GetNonAttemptedManualCalls": (allowed, make) = ("GET", { .nonAttemptedManualCalls(serviceId: $0, surface: .compatible) })
            case "LaunchManualCalls": (allowed, make) = ("POST", { .launchManualCalls(serviceId: $0, surface: .compatible) })
            case "ScheduleCallback": (allowed, make) = ("POST", { .scheduleCallback(serviceId: $0, surface: .compatible) })
            default: return .failure(notFound(path))
            }
            return allowing(allowed, method, path).flatMap { serviceId(first).map(make) }
        }

        // The audit trail: /v1/audit and /v1/audit/verify.
        if parts.count >= 2, parts[0] == "v1", parts[1] == "audit" {
            switch parts.count {
            case 2: return only("GET", method, path, .audit)
            case 3 where parts[2] == "verify": return only("GET", method, path, .auditVerify)
            default: return .failure(notFound(path))
            }
        }

        // Signed webhooks: /v1/webhooks/callbacks and /v1/webhooks/manual-calls.
        if parts.count == 3, parts[0] == "v1", parts[1] == "webhooks" {
            switch parts[2] {
            case "callbacks": return only("POST", method, path, .webhook(.scheduleCallback))
            case "manual-calls": return only("POST", method, path, .webhook(.launchManualCalls))
            default: return .failure(notFound(path))
            }
        }

        // Ask first: /v1/calling-window?serviceId=...; the service is the query's, since the
        // question is about a number, and names the profile it is checked under.
        if parts.count == 2, parts[0] == "v1", parts[1] == "calling-window" {
            return allowing("GET", method, path).flatMap {
                guard let raw = queryValue("serviceId", in: query) else {
                    return .failure(Problem(400, .invalidQuery,
                        "The calling window is checked under a service's profile: give ?serviceId={serviceId}&phone={phone}."))
                }
                return serviceId(raw).map { .callingWindow(serviceId: $0) }
            }
        }

        // The outbox: /v1/deliveries, /v1/deliveries/{id} (GET, DELETE), /v1/deliveries/{id}/retry.
        if parts.count >= 2, parts.count <= 4, parts[0] == "v1", parts[1] == "deliveries" {
            if parts.count == 2 { return only("GET", method, path, .deliveries) }
            guard let id = deliveryId(parts[2]) else {
                return .failure(Problem(404, .notFound, "No delivery has the id '\(parts[2].prefix(80))'; ids look like dlv_ followed by 26 characters."))
            }
            if parts.count == 3 {
                if method == "DELETE" { return .success(.deliveryCancel(id: id)) }
                return only("GET", method, path, .delivery(id: id)).mapError { refusal in
                    var problem = refusal
                    problem.detail = "\(path) takes GET or DELETE, not \(method)."
                    problem.allowedMethods = ["GET", "HEAD", "DELETE"]
                    return problem
                }
            }
            guard parts[3] == "retry" else { return .failure(notFound(path)) }
            return only("POST", method, path, .deliveryRetry(id: id))
        }

        // The /v1 surface: /v1/services/{serviceId}/...
        if parts.count == 4, parts[0] == "v1", parts[1] == "services" {
            let make: (Int64) -> GatewayRoute
            let allowed: String
            switch parts[3] {
            case "queue": (allowed, make) = ("GET", { .queueStats(serviceId: $0, surface: .v1) })
            case "non-attempted-calls": (allowed, make) = ("GET", { .nonAttemptedManualCalls(serviceId: $0, surface: .v1) })
            case "manual-calls": (allowed, make) = ("POST", { .launchManualCalls(serviceId: $0, surface: .v1) })
            case "callbacks": (allowed, make) = ("POST", { .scheduleCallback(serviceId: $0, surface: .v1) })
            default: return .failure(notFound(path))
            }
            return allowing(allowed, method, path).flatMap { serviceId(parts[2]).map(make) }
        }
        return .failure(notFound(path))
    }

    /// The segments between the slashes of `path` (which starts with one), empty ones included:
    /// one array of slices, allocated once, since this runs on every request.
    static func segments(_ path: String) -> [Substring] {
        let bytes = path.utf8
        var parts: [Substring] = []
        parts.reserveCapacity(6)
        var start = bytes.index(after: bytes.startIndex)
        var index = start
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "/") {
                parts.append(path[start..<index])
                start = bytes.index(after: index)
            }
            bytes.formIndex(after: &index)
        }
        parts.append(path[start..<bytes.endIndex])
        return parts
    }

    /// Success when `method` is the one the path takes (HEAD counts as GET), else 405 naming it.
    static func allowing(_ allowed: String, _ method: String, _ path: String) -> Result<Void, Problem> {
        only(allowed, method, path, ()).map { _ in () }
    }

    static func only<Matched>(_ allowed: String, _ method: String, _ path: String, _ route: Matched) -> Result<Matched, Problem> {
        if method == allowed || (allowed == "GET" && method == "HEAD") { return .success(route) }
        var problem = Problem(405, .methodNotAllowed, "\(path) takes \(allowed), not \(method).")
        problem.allowedMethods = allowed == "GET" ? ["GET", "HEAD"] : [allowed]
        return .failure(problem)
    }

    static func notFound(_ path: String) -> Problem {
        Problem(404, .notFound, "No route for \(path.count > 200 ? String(path.prefix(200)) + "..." : path); see /openapi.yaml for the routes.")
    }

    static func serviceId(_ text: Substring) -> Result<Int64, Problem> {
        guard let id = Int64(text), id > 0, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            let shown = text.count > 40 ? text.prefix(40) + "..." : text
            return .failure(Problem(400, .invalidServiceId, "'\(shown)' is not a service id: use a positive integer, e.g. 21429."))
        }
        return .success(id)
    }

    /// A delivery id as CallGate makes them: `dlv_` and 26 lowercase letters and digits.
    static func deliveryId(_ text: Substring) -> String? {
        guard text.utf8.count == 30, text.hasPrefix("dlv_"),
              text.utf8.dropFirst(4).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) })
        else { return nil }
        return String(text)
    }

    /// The first value of `name` in a query string (no percent-decoding needed for digits).
    static func queryValue(_ name: String, in query: String?) -> Substring? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name { return parts[1] }
        }
        return nil
    }
}
