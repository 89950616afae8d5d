import CallGateCore
import CallGateStorage
import LiveVoxClient
import Logging
import ServiceLifecycle
import Synchronization

/// Forwards the outbox's deliveries to LiveVox: claims those due, sends each through the LiveVox
/// client (its session, retries and breaker), and records the outcome `DeliveryPolicy` decides.
///
/// Each attempt is an audit record of its own (request id: the webhook's, so `requestId=` finds
/// the intake and every attempt; principal: the source; `authMethod` `outbox`), committed through
/// the group-commit writer in one transaction with the delivery's new state: attempts cost no
/// transaction of their own, and the trail says what happened to every accepted webhook.
///
/// A claim holds for `lease`, longer than an attempt and its commit can take. At start the worker
/// marks the claims no running instance can still complete `unknown` (they may or may not have
/// reached LiveVox; `OutboxStore.recoverInterruptedDeliveries` says which: with SQLite every one,
/// with a store several instances share only those past their lease, since the others may be a live
/// instance's). While it runs it does the same, once every `sweepInterval`, for the claims past
/// their lease, whichever instance took them: an attempt whose outcome could not be committed, or
/// whose instance died, stays `sending`, and must be reviewed rather than sent twice or forgotten.
/// It never makes a claim pending again. It then claims up to `batch` due deliveries at a time and sends them
/// concurrently; with none due it sleeps until the next is due (at most a second), or until
/// `wake()` (a webhook was just accepted, or a delivery retried). At graceful shutdown it finishes
/// the deliveries it is sending and stops; the others stay in the outbox for the next start.
public final class DeliveryWorker: Service, Sendable {
    private let outbox: any OutboxStore
    private let trail: AuditTrail
    private let client: LiveVoxClient
    private let policy: DeliveryPolicy
    private let batch: Int
    private let leaseMillis: Int64
    private let sweepIntervalMillis: Int64
    private let nowMillis: @Sendable () -> Int64
    private let window: @Sendable (Delivery, _ nowMillis: Int64) -> DeliveryWindowVerdict
    private let logger: Logger
    private let woken = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)

    /// A worker over the outbox of `trail`, sending through `client`. `lease` must exceed the
    /// longest attempt (the upstream timeout) with room for its commit. `window` is asked before each
    /// send whether the delivery's calling window is open at that instant.
    public init(trail: AuditTrail, client: LiveVoxClient, policy: DeliveryPolicy = DeliveryPolicy(), batch: Int = 32,
                lease: Duration = .seconds(90), sweepInterval: Duration = .seconds(60),
                nowMillis: @escaping @Sendable () -> Int64,
                window: @escaping @Sendable (Delivery, _ nowMillis: Int64) -> DeliveryWindowVerdict = DeliveryWindowVerdict.alwaysOpen,
                logger: Logger) {
        leaseMillis = DeliveryPolicy.millis(lease)
        sweepIntervalMillis = DeliveryPolicy.millis(sweepInterval)
        outbox = trail.outbox
        self.trail = trail
        self.client = client
        self.policy = policy
        self.batch = batch
        self.nowMillis = nowMillis
        self.window = window
        self.logger = logger
    }

    /// Makes the worker look for due deliveries now instead of at its next wake-up.
    public func wake() {
        woken.store(true, ordering: .releasing)
    }

    public func run() async throws {
        do {
            let interrupted = try await outbox.recoverInterruptedDeliveries(leaseMillis: leaseMillis, nowMillis: nowMillis())
            if interrupted > 0 {
                logger.warning("Deliveries interrupted by the last stop are marked unknown, for review",
                               metadata: ["deliveries.unknown": "\(interrupted)"])
            }
        } catch {
            logger.error("The outbox could not be read at start", metadata: ["outbox.error": "\(error)"])
        }
        await withGracefulShutdownHandler {
            var sweptMillis = nowMillis()
            while !stopping.load(ordering: .acquiring), !Task.isCancelled {
                if nowMillis() - sweptMillis >= sweepIntervalMillis {
                    sweptMillis = nowMillis()
                    await sweepStuck(nowMillis: sweptMillis)
                }
                if await deliverDue() == 0 { await sleep() }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
        }
    }

    /// Marks the deliveries `sending` for longer than the lease `unknown`, for review.
    func sweepStuck(nowMillis: Int64) async {
        do {
            let swept = try await outbox.markSendingUnknown(claimedBeforeMillis: nowMillis - leaseMillis,
                                                            reason: Delivery.unrecordedError, nowMillis: nowMillis)
            if swept > 0 {
                logger.warning("Deliveries whose outcome was not recorded within their lease are marked unknown, for review",
                               metadata: ["deliveries.unknown": "\(swept)"])
            }
        } catch {
            logger.error("The outbox could not be swept for claims past their lease", metadata: ["outbox.error": "\(error)"])
        }
    }

    /// Sends every due delivery (up to `batch`) and records the outcomes; returns how many.
    func deliverDue() async -> Int {
        let due: [Delivery]
        do {
            due = try await outbox.claimDueDeliveries(nowMillis: nowMillis(), limit: batch)
        } catch {
            logger.error("The outbox could not be read", metadata: ["outbox.error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in due {
                group.addTask { await self.deliver(delivery) }
            }
        }
        return due.count
    }

    private func deliver(_ delivery: Delivery) async {
        let started = ContinuousClock.now
        let attempt = await self.attempt(delivery)
        let ended = nowMillis()
        let record = trail.attemptRecord(delivery, attempt, timeMillis: ended, totalLatency: started.duration(to: .now))
        let completion = DeliveryCompletion(deliveryId: delivery.id, outcome: attempt.outcome, nowMillis: ended)
        do {
            _ = try await trail.writer.record(record, completing: completion)
        } catch {
            // Left `sending`: the sweep (or the next start) marks it unknown rather than sending it twice.
            logger.error("A delivery's outcome could not be recorded", metadata: [
                "delivery.id": "\(delivery.id)", "outbox.error": "\(error)",
            ])
        }
        switch attempt.outcome {
        case .delivered: break
        case .retry(_, let error, _):
            logger.info("Delivery to be retried", metadata: ["delivery.id": "\(delivery.id)", "delivery.error": "\(error)"])
        case .dead(let reason, _):
            logger.warning("Delivery dead", metadata: ["delivery.id": "\(delivery.id)", "delivery.reason": "\(reason)"])
        case .unknown(let reason):
            logger.warning("Delivery left for review", metadata: ["delivery.id": "\(delivery.id)", "delivery.reason": "\(reason)"])
        case .deferred(_, let reason):
            logger.info("Delivery deferred to its calling window", metadata: ["delivery.id": "\(delivery.id)", "delivery.reason": "\(reason)"])
        }
    }

    /// The problem code of an attempt the calling window stopped.
    static let outsideWindowCode = "outside_calling_window"

    /// One attempt: what the policy makes of it, and what LiveVox did, for the audit record.
    struct Attempt: Sendable {
        var outcome: DeliveryOutcome
        var upstreamStatus: Int?
        var upstreamAttempts = 0
        var upstreamLatency: Duration?
        /// The status the gateway would have answered a caller: LiveVox's, or the problem's (5xx).
        var status: Int
        /// The problem code the gateway would have answered, if any.
        var problem: String?
    }

    private func attempt(_ delivery: Delivery) async -> Attempt {
        // Nothing reaches LiveVox outside the window, whatever was planned: the audit record says
        // what a caller would have been answered (422 outside_calling_window).
        switch window(delivery, nowMillis()) {
        case .open:
            break
        case .closedUntil(let untilMillis, let reason):
            return Attempt(outcome: .deferred(untilMillis: untilMillis, reason: reason), status: 422, problem: Self.outsideWindowCode)
        case .closed(let reason):
            return Attempt(outcome: .dead(reason: reason, upstreamStatus: nil), status: 422, problem: Self.outsideWindowCode)
        }
        do throws(LiveVoxError) {
            let response: LiveVoxResponse<LiveVoxNoContent>
            switch GatewayOperation(rawValue: delivery.operation) {
            case .scheduleCallback:
                response = try await client.scheduleCallback(serviceId: delivery.serviceId, body: delivery.payload,
                                                             requestId: delivery.requestId, logger: logger)
            case .launchManualCalls:
                response = try await client.launchManualCalls(serviceId: delivery.serviceId, body: delivery.payload,
                                                              requestId: delivery.requestId, logger: logger)
            default:
                return Attempt(outcome: .dead(reason: "The outbox holds an operation this build does not deliver: \(delivery.operation).",
                                              upstreamStatus: nil), status: 500, problem: Problem.Code.internalError.rawValue)
            }
            return Attempt(outcome: policy.outcome(answered: response.status, error: response.errorBody),
                           upstreamStatus: response.status, upstreamAttempts: response.attempts,
                           upstreamLatency: response.upstreamLatency, status: response.status)
        } catch {
            let outcome = policy.outcome(failed: error, attempts: delivery.attempts, firstAttemptMillis: delivery.firstAttemptMillis,
                                         nowMillis: nowMillis(), random: Double.random(in: 0...1))
            let problem = Forwarder.problem(for: error)
            return Attempt(outcome: outcome, upstreamStatus: error.upstreamStatus, upstreamAttempts: error.attempts,
                           upstreamLatency: error.upstreamLatency, status: problem.status, problem: problem.code.rawValue)
        }
    }

    /// Until the next delivery is due (at most a second), `wake()`, or shutdown; in 20 ms steps.
    private func sleep() async {
        let next = (try? await outbox.nextDueMillis()) ?? nil
        let wait = min(1000, max(20, (next ?? .max) - nowMillis()))
        var slept: Int64 = 0
        while slept < wait, !woken.exchange(false, ordering: .acquiringAndReleasing), !stopping.load(ordering: .acquiring) {
            try? await Task.sleep(for: .milliseconds(20))
            slept += 20
        }
    }
}
