import Testing
import LiveVoxClient

@Suite("Circuit breaker state machine")
struct CircuitBreakerStateMachineTests {
    let t0 = ContinuousClock.now
    let configuration = CircuitBreakerStateMachine.Configuration(failureThreshold: 3, openDuration: .seconds(10))

    func opened() -> CircuitBreakerStateMachine {
        var breaker = CircuitBreakerStateMachine(configuration: configuration)
        for _ in 0..<3 {
            #expect(breaker.requestPermission(now: t0) == .proceed)
            _ = breaker.record(.failure, wasProbe: false, now: t0)
        }
        return breaker
    }

    @Test("A closed breaker lets requests through and counts consecutive failures")
    func closedCounts() {
        var breaker = CircuitBreakerStateMachine(configuration: configuration)
        #expect(breaker.requestPermission(now: t0) == .proceed)
        #expect(breaker.record(.failure, wasProbe: false, now: t0) == nil)
        #expect(breaker.record(.failure, wasProbe: false, now: t0) == nil)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
    }

    @Test("A success resets the count, so failures must be consecutive to open the breaker")
    func successResets() {
        var breaker = CircuitBreakerStateMachine(configuration: configuration)
        _ = breaker.record(.failure, wasProbe: false, now: t0)
        _ = breaker.record(.failure, wasProbe: false, now: t0)
        #expect(breaker.record(.success, wasProbe: false, now: t0) == nil)
        _ = breaker.record(.failure, wasProbe: false, now: t0)
        #expect(breaker.state == .closed(consecutiveFailures: 1))
    }

    @Test("The threshold-th consecutive failure opens the breaker for the open duration")
    func thresholdOpens() {
        var breaker = CircuitBreakerStateMachine(configuration: configuration)
        _ = breaker.record(.failure, wasProbe: false, now: t0)
        _ = breaker.record(.failure, wasProbe: false, now: t0)
        #expect(breaker.record(.failure, wasProbe: false, now: t0) == .opened(until: t0 + .seconds(10)))
        #expect(breaker.state == .open(until: t0 + .seconds(10)))
    }

    @Test("An open breaker rejects at once with the time left until it half-opens")
    func openRejects() {
        var breaker = opened()
        #expect(breaker.requestPermission(now: t0 + .seconds(4)) == .reject(retryAfter: .seconds(6)))
        #expect(breaker.requestPermission(now: t0 + .milliseconds(9_999)) == .reject(retryAfter: .milliseconds(1)))
    }

    @Test("After the open duration exactly one probe passes; the others are rejected while it runs")
    func halfOpenSingleProbe() {
        var breaker = opened()
        #expect(breaker.requestPermission(now: t0 + .seconds(10)) == .proceedAsProbe)
        #expect(breaker.state == .halfOpen(probeInFlight: true))
        #expect(breaker.requestPermission(now: t0 + .seconds(10)) == .reject(retryAfter: .seconds(10)))
    }

    @Test("A successful probe closes the breaker")
    func probeSuccessCloses() {
        var breaker = opened()
        _ = breaker.requestPermission(now: t0 + .seconds(11))
        #expect(breaker.record(.success, wasProbe: true, now: t0 + .seconds(11)) == .closed)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.requestPermission(now: t0 + .seconds(11)) == .proceed)
    }

    @Test("A failed probe opens the breaker again for a full open duration")
    func probeFailureReopens() {
        var breaker = opened()
        _ = breaker.requestPermission(now: t0 + .seconds(12))
        #expect(breaker.record(.failure, wasProbe: true, now: t0 + .seconds(12)) == .opened(until: t0 + .seconds(22)))
        #expect(breaker.requestPermission(now: t0 + .seconds(13)) == .reject(retryAfter: .seconds(9)))
    }

    @Test("An abandoned probe lets the next request probe instead")
    func abandonedProbe() {
        var breaker = opened()
        _ = breaker.requestPermission(now: t0 + .seconds(10))
        #expect(breaker.record(.abandoned, wasProbe: true, now: t0 + .seconds(10)) == nil)
        #expect(breaker.state == .halfOpen(probeInFlight: false))
        #expect(breaker.requestPermission(now: t0 + .seconds(10)) == .proceedAsProbe)
    }

    @Test("A late outcome of a request let through before the breaker opened changes nothing")
    func lateOutcomeIgnored() {
        var breaker = opened()
        #expect(breaker.record(.success, wasProbe: false, now: t0 + .seconds(1)) == nil)
        #expect(breaker.state == .open(until: t0 + .seconds(10)))
        _ = breaker.requestPermission(now: t0 + .seconds(10))
        #expect(breaker.record(.failure, wasProbe: false, now: t0 + .seconds(10)) == nil)
        #expect(breaker.state == .halfOpen(probeInFlight: true))
    }
}
