import CallGateCore

/// Everything `LiveVoxClient` needs to know about its upstream; the uncertain facts of the LiveVox
/// API (version segment, queue-stats path form) are settings here, not constants.
public struct LiveVoxClientConfiguration: Sendable {
    /// How `GET` queue stats names its service.
    public enum QueueStatsPathStyle: String, Sendable, Hashable, CaseIterable {
        /// `/callControl/supervisor/calls/queue/{serviceId}`, as the reference page documents.
        case pathSegment = "path"
        /// `/callControl/supervisor/calls/queue?serviceId={serviceId}`, as one public client sends it.
        case queryParameter = "query"
    }

    /// The upstream's scheme, host and port, optionally with a base path, e.g. `https://api.livevox.com`.
    public var baseURL: String
    /// A version segment put after the category, e.g. `v6.0` gives `/session/v6.0/login` and
    /// `/callControl/v6.0/supervisor/...`; empty for none (the current docs show none).
    public var pathPrefix: String
    /// How queue stats name the service.
    public var queueStatsPathStyle: QueueStatsPathStyle
    /// The API access token, sent as `LV-Access`. A secret.
    public var accessToken: String
    /// The API user's credentials, sent to `/session/login`. A secret.
    public var credentials: LoginRequest
    /// Retries, deadline and timeouts of each operation.
    public var retry: RetryPolicy
    /// When the breaker opens and for how long.
    public var circuitBreaker: CircuitBreakerStateMachine.Configuration
    /// How long a logout at shutdown may take.
    public var logoutTimeout: Duration

    /// Creates a configuration.
    public init(
        baseURL: String,
        pathPrefix: String = "",
        queueStatsPathStyle: QueueStatsPathStyle = .pathSegment,
        accessToken: String,
        credentials: LoginRequest,
        retry: RetryPolicy = .init(),
        circuitBreaker: CircuitBreakerStateMachine.Configuration = .init(),
        logoutTimeout: Duration = .seconds(2)
    ) {
        self.baseURL = baseURL
        self.pathPrefix = pathPrefix
        self.queueStatsPathStyle = queueStatsPathStyle
        self.accessToken = accessToken
        self.credentials = credentials
        self.retry = retry
        self.circuitBreaker = circuitBreaker
        self.logoutTimeout = logoutTimeout
    }
}

/// The upstream endpoints the client calls.
public enum LiveVoxEndpoint: Sendable, Hashable {
    /// `POST /session/login`.
    case login
    /// `DELETE /session/logout/{sessionId}`.
    case logout(sessionId: String)
    /// `GET /callControl/supervisor/calls/queue/{serviceId}` (or `?serviceId=`).
    case queueStats(serviceId: Int64)
    /// `GET /callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls`.
    case nonAttemptedManualCalls(serviceId: Int64)
    /// `POST /callControl/supervisor/calls/{serviceId}/LaunchManualCalls`.
    case launchManualCalls(serviceId: Int64)
    /// `POST /callControl/supervisor/calls/{serviceId}/ScheduleCallback`.
    case scheduleCallback(serviceId: Int64)

    /// The operation's name, for logs, metrics and audit records.
    public var operationName: String {
        switch self {
        case .login: "login"
        case .logout: "logout"
        case .queueStats: "queueStats"
        case .nonAttemptedManualCalls: "getNonAttemptedManualCalls"
        case .launchManualCalls: "launchManualCalls"
        case .scheduleCallback: "scheduleCallback"
        }
    }

    /// The method token, as sent.
    public var method: String {
        switch self {
        case .login, .launchManualCalls, .scheduleCallback: "POST"
        case .logout: "DELETE"
        case .queueStats, .nonAttemptedManualCalls: "GET"
        }
    }

    /// Whether sending the request twice has the effect of sending it once. The login is: LiveVox
    /// answers a repeated login with the same session.
    public var isIdempotent: Bool {
        switch self {
        case .login, .logout, .queueStats, .nonAttemptedManualCalls: true
        case .launchManualCalls, .scheduleCallback: false
        }
    }

    /// The path and query, with the version prefix after the category: `/{category}{prefix}/{resource}`.
    public func path(prefix: String, queueStatsStyle: LiveVoxClientConfiguration.QueueStatsPathStyle) -> String {
        path(normalizedPrefix: Self.normalizedPrefix(prefix), queueStatsStyle: queueStatsStyle)
    }

    /// `path(prefix:queueStatsStyle:)` with the prefix already normalized (`normalizedPrefix`), as the
    /// client keeps it.
    func path(normalizedPrefix version: String, queueStatsStyle: LiveVoxClientConfiguration.QueueStatsPathStyle) -> String {
        let calls = "/callControl\(version)/supervisor/calls"
        switch self {
        case .login: return "/session\(version)/login"
        case .logout(let sessionId): return "/session\(version)/logout/\(Self.escapePathSegment(sessionId))"
        case .queueStats(let id):
            switch queueStatsStyle {
            case .pathSegment: return "\(calls)/queue/\(id)"
            case .queryParameter: return "\(calls)/queue?serviceId=\(id)"
            }
        case .nonAttemptedManualCalls(let id): return "\(calls)/\(id)/GetNonAttemptedManualCalls"
        case .launchManualCalls(let id): return "\(calls)/\(id)/LaunchManualCalls"
        case .scheduleCallback(let id): return "\(calls)/\(id)/ScheduleCallback"
        }
    }

    /// `v6.0`, `/v6.0` and `/v6.0/` all give `/v6.0`; an empty or `/` prefix gives nothing.
    static func normalizedPrefix(_ prefix: String) -> String {
        let trimmed = prefix.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
        return trimmed.isEmpty ? "" : "/" + trimmed
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so a session id stays one segment.
    static func escapePathSegment(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
