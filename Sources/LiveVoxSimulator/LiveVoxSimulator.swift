import CallGateCore
import Logging
import Synchronization

/// A faithful fake of the LiveVox Supervisor Calls API: sessions, the four operations with the
/// reference's wire quirks, a small world whose queues move and whose calls fail for real
/// reasons, and `/_sim/` control endpoints for tests.
///
/// Start it in-process on a loopback port with ``start(host:port:)`` (or the static
/// ``start(configuration:clock:host:port:logger:)``), or get a Hummingbird application to run as
/// a `Service` with ``application(host:port:onServerRunning:)``.
///
/// ## Control endpoints (no session needed; not recorded, never faulted)
/// - `GET /_sim/requests`, `DELETE /_sim/requests`: every request received, oldest first
///   (method, path, query, headers, body, receivedAt), and clearing them.
/// - `GET /_sim/launches`, `GET /_sim/callbacks`: every call entry and callback accepted.
/// - `GET /_sim/faults`, `POST /_sim/faults` (a ``FaultRule`` as JSON; answers 201 with its id),
///   `DELETE /_sim/faults`, `DELETE /_sim/faults/{id}`: injected latency, error status at a rate,
///   429 with `Retry-After`, dropped connection, malformed body; scoped by `pathPrefix`,
///   `method` and `count`.
/// - `GET /_sim/launch-failures`, `POST /_sim/launch-failures` (a ``LaunchFailureRule`` as JSON;
///   answers 201 with its id), `DELETE /_sim/launch-failures`, `DELETE /_sim/launch-failures/{id}`:
///   the next launches of a number fail with a chosen non-attempted code.
/// - `POST /_sim/sessions/expire`: every session dies, as on a password change.
/// - `GET /_sim/clock`, `POST /_sim/clock` with `{"epochSeconds": n}` (freeze there),
///   `{"advanceSeconds": n}` or `{"resume": true}`.
/// - `GET /_sim/services/{id}`, `POST /_sim/services/{id}` with `{"availableAgents": n,
///   "loggedInAgents": n}`: a service's configuration and live stats, and its agents.
/// - `POST /_sim/reset`: sessions, queues, records, faults, launch failures and transaction ids back to the start
///   (the clock is left alone).
public final class LiveVoxSimulator: Sendable {
    /// What the simulator was started with.
    public let configuration: SimulatorConfiguration
    /// The clock every rule reads; tests freeze, set and advance it.
    public let clock: SimulatorClock
    let logger: Logger
    let failureZone: IANATimeZone
    let state: Mutex<SimulatorState>

    /// Creates a simulator; throws when `configuration.timeOfFailureZone` is not an IANA zone.
    public init(configuration: SimulatorConfiguration = .init(), clock: SimulatorClock = SimulatorClock(), logger: Logger) throws {
        guard let zone = IANATimeZone.named(configuration.timeOfFailureZone) else {
            throw SimulatorSetupError.unknownTimeZone(configuration.timeOfFailureZone)
        }
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.failureZone = zone
        self.state = Mutex(SimulatorState(configuration: configuration, failureZone: zone, now: clock.now))
    }

    /// Every request received so far (control requests excluded), oldest first.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }
    /// Every call entry accepted so far, oldest first.
    public var launches: [AcceptedLaunch] { state.withLock { $0.launches } }
    /// Every callback accepted so far, oldest first.
    public var callbacks: [AcceptedCallback] { state.withLock { $0.callbacks } }
    /// The active fault rules.
    public var faults: [FaultRule] { state.withLock { $0.faults.rules } }

    /// Adds a fault rule and returns it with its id; throws when the rule is not usable.
    @discardableResult
    public func addFault(_ rule: FaultRule) throws(SimulatorSetupError) -> FaultRule {
        if let problem = rule.problem { throw SimulatorSetupError.invalidFault(problem) }
        return state.withLock { $0.faults.add(rule) }
    }

    /// Removes every fault rule.
    public func clearFaults() {
        state.withLock { $0.faults.clear() }
    }

    /// The active launch-failure rules.
    public var launchFailures: [LaunchFailureRule] { state.withLock { $0.launchFailures.rules } }

    /// Adds a launch-failure rule and returns it with its id (its number normalized); throws when
    /// the rule is not usable.
    @discardableResult
    public func addLaunchFailure(_ rule: LaunchFailureRule) throws(SimulatorSetupError) -> LaunchFailureRule {
        if let problem = rule.problem { throw SimulatorSetupError.invalidLaunchFailure(problem) }
        var rule = rule
        rule.phoneNumber = CallScreening.normalized(rule.phoneNumber) ?? rule.phoneNumber
        return state.withLock { [rule] in $0.launchFailures.add(rule) }
    }

    /// Removes every launch-failure rule.
    public func clearLaunchFailures() {
        state.withLock { $0.launchFailures.clear() }
    }

    /// Ends every session, as a password change would.
    public func expireAllSessions() {
        state.withLock { $0.sessions.expireAll() }
    }

    /// The live queue snapshot of a service, or `nil` for an unknown one.
    public func queueStats(serviceId: Int64) -> QueueStats? {
        let now = clock.now
        return state.withLock { state in
            state.queues[serviceId]?.advance(to: now)
            return state.queues[serviceId]?.stats
        }
    }

    /// Changes a service's agents; false for an unknown service.
    @discardableResult
    public func setAgents(serviceId: Int64, available: Int? = nil, loggedIn: Int? = nil) -> Bool {
        let now = clock.now
        return state.withLock { state in
            guard state.queues[serviceId] != nil else { return false }
            state.queues[serviceId]?.setAgents(available: available, loggedIn: loggedIn, now: now)
            return true
        }
    }

    /// Back to the state at start: sessions, queues, records, faults and transaction ids.
    public func reset() {
        let now = clock.now
        state.withLock { $0 = SimulatorState(configuration: configuration, failureZone: failureZone, now: now) }
    }
}

/// A setting or rule the simulator cannot use.
public enum SimulatorSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zone name is not in the IANA tables.
    case unknownTimeZone(String)
    /// The fault rule is not usable, and why.
    case invalidFault(String)
    /// The launch-failure rule is not usable, and why.
    case invalidLaunchFailure(String)
    /// The server stopped before it listened.
    case serverStoppedBeforeListening

    /// One sentence.
    public var description: String {
        switch self {
        case .unknownTimeZone(let name): "'\(name)' is not an IANA time zone."
        case .invalidFault(let problem): "The fault rule is not usable: \(problem)"
        case .invalidLaunchFailure(let problem): "The launch-failure rule is not usable: \(problem)"
        case .serverStoppedBeforeListening: "The simulator's server stopped before it listened."
        }
    }
}

/// Everything the simulator remembers, behind one lock.
struct SimulatorState: Sendable {
    var sessions: SessionStore
    var queues: [Int64: ServiceQueue]
    var screening: CallScreening
    var faults = FaultPlan()
    var launchFailures = LaunchFailurePlan()
    var requests: [RecordedRequest] = []
    var launches: [AcceptedLaunch] = []
    var callbacks: [AcceptedCallback] = []
    var nextTransactionId: Int64
    var random: SplitMix64

    init(configuration: SimulatorConfiguration, failureZone: IANATimeZone, now: Double) {
        sessions = SessionStore(idleSeconds: configuration.sessionIdleSeconds)
        queues = Dictionary(configuration.services.map {
            ($0.id, ServiceQueue(configuration: $0, failureZone: failureZone, now: now))
        }, uniquingKeysWith: { first, _ in first })
        screening = CallScreening(doNotCall: configuration.doNotCall)
        nextTransactionId = configuration.firstTransactionId
        random = SplitMix64(seed: configuration.randomSeed ?? UInt64.random(in: .min ... .max))
    }

    /// A new session id in LiveVox's UUID-like form.
    mutating func makeSessionId() -> String {
        let high = random.next()
        let low = random.next()
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    /// The next generated transaction id.
    mutating func takeTransactionId() -> Int64 {
        defer { nextTransactionId += 1 }
        return nextTransactionId
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
