/// The circuit breaker as a value: it never reads a clock and never performs I/O. Every event takes
/// `now` and returns an action the caller carries out, so the rules can be tested step by step.
///
/// Closed: requests pass; `failureThreshold` consecutive failures open it.
/// Open: requests are rejected at once with the time left until `openDuration` ends.
/// Half-open: the first request after that is let through as the probe, the others are rejected
/// until it ends: a success closes the breaker, a failure opens it again, a probe that ends without
/// an outcome (cancelled) lets the next request probe instead.
public struct CircuitBreakerStateMachine: Sendable {
    /// When the breaker opens and for how long.
    public struct Configuration: Sendable, Hashable {
        /// Consecutive failures that open a closed breaker.
        public var failureThreshold: Int
        /// How long an open breaker rejects before it lets a probe through.
        public var openDuration: Duration

        /// Creates a configuration: five failures in a row open the breaker for five seconds.
        public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(5)) {
            precondition(failureThreshold >= 1, "failureThreshold must be at least 1")
            self.failureThreshold = failureThreshold
            self.openDuration = openDuration
        }
    }

    /// Where the breaker is.
    public enum State: Sendable, Hashable {
        /// Requests pass; `consecutiveFailures` so far.
        case closed(consecutiveFailures: Int)
        /// Requests are rejected until `until`.
        case open(until: ContinuousClock.Instant)
        /// One probe may pass; `probeInFlight` tells whether it already has.
        case halfOpen(probeInFlight: Bool)
    }

    /// What to do with a request that asks to pass.
    public enum PermitAction: Sendable, Hashable {
        /// Send it.
        case proceed
        /// Send it as the probe: its outcome decides whether the breaker closes.
        case proceedAsProbe
        /// Do not send it; the upstream is deemed down for at least `retryAfter` more.
        case reject(retryAfter: Duration)
    }

    /// How an exchange that was let through ended, as far as the upstream's health goes.
    public enum Outcome: Sendable, Hashable {
        /// The upstream answered as a healthy server does (any 2xx-4xx, 429 included).
        case success
        /// The upstream failed: no answer, a timeout, or a 5xx.
        case failure
        /// The exchange ended without telling anything (e.g. cancelled by the caller).
        case abandoned
    }

    /// A change worth logging, returned by ``record(_:wasProbe:now:)``.
    public enum Transition: Sendable, Hashable {
        /// The breaker opened (or re-opened after a failed probe) until the given instant.
        case opened(until: ContinuousClock.Instant)
        /// A successful probe closed the breaker.
        case closed
    }

    /// The rules.
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: State

    /// Creates a closed breaker.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.state = .closed(consecutiveFailures: 0)
    }

    /// Decides whether a request may go to the upstream now.
    public mutating func requestPermission(now: ContinuousClock.Instant) -> PermitAction {
        switch state {
        case .closed:
            return .proceed
        case .open(let until):
            if now < until { return .reject(retryAfter: until - now) }
            state = .halfOpen(probeInFlight: true)
            return .proceedAsProbe
        case .halfOpen(probeInFlight: true):
            return .reject(retryAfter: configuration.openDuration)
        case .halfOpen(probeInFlight: false):
            state = .halfOpen(probeInFlight: true)
            return .proceedAsProbe
        }
    }

    /// Records how a permitted exchange ended; returns the transition it caused, if any.
    public mutating func record(_ outcome: Outcome, wasProbe: Bool, now: ContinuousClock.Instant) -> Transition? {
        switch (state, outcome) {
        case (.closed, .success):
            state = .closed(consecutiveFailures: 0)
            return nil
        case (.closed(let failures), .failure):
            if failures + 1 >= configuration.failureThreshold { return open(now: now) }
            state = .closed(consecutiveFailures: failures + 1)
            return nil
        case (.closed, .abandoned):
            return nil
        case (.halfOpen, .success) where wasProbe:
            state = .closed(consecutiveFailures: 0)
            return .closed
        case (.halfOpen, .failure) where wasProbe:
            return open(now: now)
        case (.halfOpen, .abandoned) where wasProbe:
            state = .halfOpen(probeInFlight: false)
            return nil
        case (.halfOpen, _), (.open, _):
            // A request let through before the breaker opened ends late: the probe decides, not it.
            return nil
        }
    }

    private mutating func open(now: ContinuousClock.Instant) -> Transition {
        let until = now + configuration.openDuration
        state = .open(until: until)
        return .opened(until: until)
    }
}
