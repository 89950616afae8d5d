/// Everything the simulator can be told at start; every default works without flags.
///
/// The defaults are the reference page's own examples: services 21429, 50123 and 112231 on an
/// automated queuer, and 30000 on a non-automated one where `LaunchManualCalls` is refused.
public struct SimulatorConfiguration: Sendable, Hashable {
    /// The token a login must carry in `LV-Access`.
    public var accessToken: String
    /// The LiveVox client code a login must name.
    public var clientName: String
    /// The API user a login must name.
    public var userName: String
    /// The API user's password.
    public var password: String
    /// The client id a login answers with.
    public var clientId: Int64
    /// The user id a login answers with.
    public var userId: Int64
    /// Days until the password expires, as a login answers.
    public var daysUntilPasswordExpires: Int
    /// Seconds a session may stay unused before it dies (rolling; LiveVox's is two hours).
    public var sessionIdleSeconds: Double
    /// The services the simulated ACD knows.
    public var services: [ServiceConfiguration]
    /// Numbers on the do-not-call list; a launch to one of them fails with 1000.
    public var doNotCall: [String]
    /// The first transaction id handed out when a call entry carries none.
    public var firstTransactionId: Int64
    /// The IANA zone whose wall clock `timeOfFailure` shows (LiveVox writes it without an offset).
    public var timeOfFailureZone: String
    /// Seeds the generator behind error rates and session ids, so a run can be repeated.
    public var randomSeed: UInt64?

    /// The default access token, `sim-access-token`.
    public static let defaultAccessToken = "sim-access-token"
    /// The default client code, `SIM`.
    public static let defaultClientName = "SIM"
    /// The default user, `sim-user`.
    public static let defaultUserName = "sim-user"
    /// The default password, `sim-password`.
    public static let defaultPassword = "sim-password"
    /// The reference's example services, all on an automated queuer.
    public static let defaultAutomatedServiceIds: [Int64] = [21429, 50123, 112231]
    /// One service on a non-automated queuer.
    public static let defaultManualServiceIds: [Int64] = [30000]

    /// Creates a configuration; every argument has the documented default.
    public init(
        accessToken: String = Self.defaultAccessToken,
        clientName: String = Self.defaultClientName,
        userName: String = Self.defaultUserName,
        password: String = Self.defaultPassword,
        clientId: Int64 = 1001,
        userId: Int64 = 2001,
        daysUntilPasswordExpires: Int = 90,
        sessionIdleSeconds: Double = 2 * 60 * 60,
        services: [ServiceConfiguration] = Self.defaultAutomatedServiceIds.map { ServiceConfiguration(id: $0) }
            + Self.defaultManualServiceIds.map { ServiceConfiguration(id: $0, automated: false) },
        doNotCall: [String] = [],
        firstTransactionId: Int64 = 27_460_618_101,
        timeOfFailureZone: String = "UTC",
        randomSeed: UInt64? = nil
    ) {
        self.accessToken = accessToken
        self.clientName = clientName
        self.userName = userName
        self.password = password
        self.clientId = clientId
        self.userId = userId
        self.daysUntilPasswordExpires = daysUntilPasswordExpires
        self.sessionIdleSeconds = sessionIdleSeconds
        self.services = services
        self.doNotCall = doNotCall
        self.firstTransactionId = firstTransactionId
        self.timeOfFailureZone = timeOfFailureZone
        self.randomSeed = randomSeed
    }
}

/// One LiveVox service (a queue) and how its simulated agents behave.
public struct ServiceConfiguration: Sendable, Hashable, Codable {
    /// The service id used in paths.
    public var id: Int64
    /// Whether the service is on an automated queuer; launching on a non-automated one is refused.
    public var automated: Bool
    /// Agents logged into the service (`maxAgents`).
    public var loggedInAgents: Int
    /// Agents free to take calls when no call is in progress; zero means calls wait until their
    /// `dialingTimeout` elapses and then fail with 799.
    public var availableAgents: Int
    /// Calls on hold, reported as is (the simulator does not model the hold queue).
    public var callsOnHold: Int
    /// Seconds between accepting a call and dialing it, when an agent is free.
    public var dialDelaySeconds: Double
    /// Seconds a dialed call stays in progress before it completes and frees its agent.
    public var callDurationSeconds: Double
    /// The most calls that may wait to be dialed; a launch past it fails with 901 (call exceeds
    /// queued). No limit when `nil`.
    public var maxQueuedCalls: Int?

    /// Creates a service; the defaults give a small queue whose calls finish within seconds.
    public init(
        id: Int64,
        automated: Bool = true,
        loggedInAgents: Int = 10,
        availableAgents: Int = 5,
        callsOnHold: Int = 0,
        dialDelaySeconds: Double = 1,
        callDurationSeconds: Double = 5,
        maxQueuedCalls: Int? = nil
    ) {
        self.id = id
        self.automated = automated
        self.loggedInAgents = loggedInAgents
        self.availableAgents = availableAgents
        self.callsOnHold = callsOnHold
        self.dialDelaySeconds = dialDelaySeconds
        self.callDurationSeconds = callDurationSeconds
        self.maxQueuedCalls = maxQueuedCalls
    }
}
