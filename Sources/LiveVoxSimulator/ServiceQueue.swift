import CallGateCore

/// One service's simulated ACD queue as a value type: calls wait, are dialed when an agent is
/// free, stay in progress for the configured duration, and give up with 799 when their
/// `dialingTimeout` passes first. Time is only what `advance(to:)` is told, so a test can
/// replay any schedule exactly.
struct ServiceQueue: Sendable {
    struct WaitingCall: Sendable, Equatable {
        var transactionId: Int64
        var phoneNumber: String
        /// When the call may be dialed at the earliest.
        var readyAt: Double
        /// When the call gives up waiting, if it has a `dialingTimeout`.
        var deadline: Double?
    }

    struct CallInProgress: Sendable, Equatable {
        var transactionId: Int64
        var endsAt: Double
    }

    private(set) var configuration: ServiceConfiguration
    /// The zone whose wall clock `timeOfFailure` shows.
    let failureZone: IANATimeZone
    private(set) var waiting: [WaitingCall] = []
    private(set) var inProgress: [CallInProgress] = []
    private(set) var completedCount = 0
    /// Calls that failed, oldest first, as `GetNonAttemptedManualCalls` reports them.
    private(set) var nonAttempted: [NonAttemptedManualCall] = []
    /// The instant up to which events have been applied.
    private(set) var cursor: Double

    init(configuration: ServiceConfiguration, failureZone: IANATimeZone, now: Double) {
        self.configuration = configuration
        self.failureZone = failureZone
        self.cursor = now
    }

    /// The queue snapshot, as of the last `advance(to:)`.
    var stats: QueueStats {
        QueueStats(
            availableAgents: freeAgents,
            callsOnHold: configuration.callsOnHold,
            callsToBeLaunched: waiting.count,
            callsInProgress: inProgress.count,
            maxAgents: configuration.loggedInAgents
        )
    }

    private var freeAgents: Int { max(0, configuration.availableAgents - inProgress.count) }

    /// 901 when the queue already holds `maxQueuedCalls` calls waiting to be dialed (as of the last
    /// `advance(to:)`), so one more cannot be queued; `nil` when it can.
    var overflow: NonAttemptedCallCode? {
        guard let limit = configuration.maxQueuedCalls, waiting.count >= limit else { return nil }
        return .callExceedsQueued
    }

    /// Accepts a screened call at `now`.
    mutating func enqueue(transactionId: Int64, phoneNumber: String, dialingTimeout: Int?, now: Double) {
        advance(to: now)
        waiting.append(WaitingCall(
            transactionId: transactionId,
            phoneNumber: phoneNumber,
            readyAt: now + configuration.dialDelaySeconds,
            deadline: dialingTimeout.map { now + Double(max(0, $0)) }
        ))
    }

    /// Records a call that was refused before it reached the queue.
    mutating func recordFailure(transactionId: Int64, phoneNumber: String, code: NonAttemptedCallCode, at instant: Double) {
        nonAttempted.append(NonAttemptedManualCall(
            transactionId: transactionId,
            phoneNumber: phoneNumber,
            reason: code.reason,
            errorCode: code.rawValue,
            timeOfFailure: LiveVoxTimestamp.format(epochSeconds: instant, zone: failureZone)
        ))
    }

    /// Changes the agents; events up to `now` happen under the old numbers.
    mutating func setAgents(available: Int?, loggedIn: Int?, now: Double) {
        advance(to: now)
        if let available { configuration.availableAgents = max(0, available) }
        if let loggedIn { configuration.loggedInAgents = max(0, loggedIn) }
    }

    private enum Event {
        case complete(index: Int)
        case dial
        case timeout(index: Int)

        /// Ties at one instant resolve in this order: a freed agent can take the next call, and a
        /// call dialed at its deadline went out.
        var rank: Int {
            switch self {
            case .complete: 0
            case .dial: 1
            case .timeout: 2
            }
        }
    }

    /// Applies every event due at or before `now`, in time order.
    mutating func advance(to now: Double) {
        while let (instant, event) = nextEvent(), instant <= now {
            cursor = max(cursor, instant)
            switch event {
            case .complete(let index):
                inProgress.remove(at: index)
                completedCount += 1
            case .dial:
                let call = waiting.removeFirst()
                inProgress.append(CallInProgress(transactionId: call.transactionId, endsAt: cursor + configuration.callDurationSeconds))
            case .timeout(let index):
                let call = waiting.remove(at: index)
                recordFailure(transactionId: call.transactionId, phoneNumber: call.phoneNumber,
                              code: .noAgentsAvailable, at: call.deadline ?? cursor)
            }
        }
        cursor = max(cursor, now)
    }

    private func nextEvent() -> (Double, Event)? {
        var candidates: [(Double, Event)] = []
        if let (index, call) = inProgress.enumerated().min(by: { $0.element.endsAt < $1.element.endsAt }) {
            candidates.append((call.endsAt, .complete(index: index)))
        }
        if freeAgents > 0, let head = waiting.first {
            candidates.append((max(head.readyAt, cursor), .dial))
        }
        for (index, call) in waiting.enumerated() {
            if let deadline = call.deadline { candidates.append((max(deadline, cursor), .timeout(index: index))) }
        }
        return candidates.min { ($0.0, $0.1.rank) < ($1.0, $1.1.rank) }
    }
}
