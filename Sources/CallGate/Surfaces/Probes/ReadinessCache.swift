import Synchronization

/// A readiness check's answer, checked at most once a second: `/readyz`'s audit check probes the
/// store with a write, and a probe called by every load balancer and kubelet must not cost a
/// transaction per call. While one caller refreshes a stale answer, the others get the last one.
final class ReadinessCache: Sendable {
    /// How long an answer is served before it is checked again.
    static let maxAge: Duration = .seconds(1)

    private struct State {
        var answer: Gateway.Readiness?
        var checkedAt: ContinuousClock.Instant?
        var refreshing = false
    }

    private let check: @Sendable () async -> Gateway.Readiness
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    /// Serves `check`'s answers, each for ``maxAge`` of `now`.
    init(check: @escaping @Sendable () async -> Gateway.Readiness,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.check = check
        self.now = now
    }

    /// The last answer while it is fresh (or being refreshed by another caller); otherwise a new one.
    func current() async -> Gateway.Readiness {
        let instant = now()
        let cached: Gateway.Readiness? = state.withLock { state in
            if let answer = state.answer, let checkedAt = state.checkedAt,
               checkedAt.duration(to: instant) < Self.maxAge || state.refreshing {
                return answer
            }
            state.refreshing = true
            return nil
        }
        if let cached { return cached }
        let answer = await check()
        state.withLock { state in
            state.answer = answer
            state.checkedAt = instant
            state.refreshing = false
        }
        return answer
    }
}
