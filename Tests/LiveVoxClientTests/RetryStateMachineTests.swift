import Testing
import CallGateCore
import LiveVoxClient

@Suite("Retry state machine")
struct RetryStateMachineTests {
    let t0 = ContinuousClock.now
    let policy = RetryPolicy(
        maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(500),
        totalDeadline: .seconds(10), attemptTimeout: .seconds(3))

    @Test("The backoff doubles up to the cap and jitters in the upper half, reproducibly for a seed")
    func backoffSchedule() {
        let machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        let first = (2...6).map { machine.backoff(beforeAttempt: $0, jitter: &a) }
        let second = (2...6).map { machine.backoff(beforeAttempt: $0, jitter: &b) }
        #expect(first == second)
        let ceilings: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)]
        for (delay, ceiling) in zip(first, ceilings) {
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }

    @Test("A different seed gives a different schedule")
    func seedsDiffer() {
        let machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        var a = SplitMix64(seed: 1)
        var b = SplitMix64(seed: 2)
        #expect((2...6).map { machine.backoff(beforeAttempt: $0, jitter: &a) }
            != (2...6).map { machine.backoff(beforeAttempt: $0, jitter: &b) })
    }

    @Test("An attempt's timeout is the per-attempt timeout, cut to what is left of the deadline")
    func attemptTimeout() {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        #expect(machine.startAttempt(now: t0) == .seconds(3))
        #expect(machine.startAttempt(now: t0 + .seconds(8)) == .seconds(2))
        #expect(machine.startAttempt(now: t0 + .seconds(10)) == nil)
        #expect(machine.attempts == 2)
    }

    @Test("GETs are retried after a connection error and after 429, 502, 503 and 504", arguments: [
        RetryStateMachine.AttemptOutcome.transportFailure(requestNeverSent: false),
        .transportFailure(requestNeverSent: true),
        .response(status: 429, retryAfter: nil), .response(status: 502, retryAfter: nil),
        .response(status: 503, retryAfter: nil), .response(status: 504, retryAfter: nil),
    ])
    func idempotentRetries(outcome: RetryStateMachine.AttemptOutcome) {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        _ = machine.startAttempt(now: t0)
        var jitter = SplitMix64(seed: 7)
        var expected = SplitMix64(seed: 7)
        #expect(machine.decide(after: outcome, now: t0, jitter: &jitter)
            == .retry(after: machine.backoff(beforeAttempt: 2, jitter: &expected)))
    }

    @Test("GETs are not retried after other statuses", arguments: [200, 204, 400, 401, 403, 404, 409, 500, 501])
    func idempotentFinal(status: Int) {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        _ = machine.startAttempt(now: t0)
        var jitter = SplitMix64(seed: 7)
        #expect(machine.decide(after: .response(status: status, retryAfter: nil), now: t0, jitter: &jitter)
            == .giveUp(.notRetryable))
    }

    @Test("A POST is replayed only when the request provably never left", arguments: [
        (RetryStateMachine.AttemptOutcome.transportFailure(requestNeverSent: true), true),
        (.transportFailure(requestNeverSent: false), false),
        (.response(status: 429, retryAfter: .seconds(1)), false),
        (.response(status: 502, retryAfter: nil), false),
        (.response(status: 503, retryAfter: nil), false),
        (.response(status: 504, retryAfter: nil), false),
    ])
    func postReplay(outcome: RetryStateMachine.AttemptOutcome, replayed: Bool) {
        var machine = RetryStateMachine(policy: policy, idempotent: false, start: t0)
        _ = machine.startAttempt(now: t0)
        var jitter = SplitMix64(seed: 7)
        let action = machine.decide(after: outcome, now: t0, jitter: &jitter)
        #expect((action != .giveUp(.notRetryable)) == replayed)
    }

    @Test("Retry-After replaces the backoff")
    func retryAfterHonoured() {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        _ = machine.startAttempt(now: t0)
        var jitter = SplitMix64(seed: 7)
        #expect(machine.decide(after: .response(status: 429, retryAfter: .seconds(3)), now: t0, jitter: &jitter)
            == .retry(after: .seconds(3)))
    }

    @Test("A wait that would end past the deadline gives up instead")
    func deadline() {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        _ = machine.startAttempt(now: t0)
        var jitter = SplitMix64(seed: 7)
        #expect(machine.decide(after: .response(status: 503, retryAfter: .seconds(10)), now: t0, jitter: &jitter)
            == .giveUp(.deadlineExceeded))
        #expect(machine.decide(after: .response(status: 503, retryAfter: .seconds(1)), now: t0 + .seconds(9), jitter: &jitter)
            == .giveUp(.deadlineExceeded))
    }

    @Test("After maxAttempts attempts the machine gives up")
    func attemptsExhausted() {
        var machine = RetryStateMachine(policy: policy, idempotent: true, start: t0)
        var jitter = SplitMix64(seed: 7)
        for _ in 1..<5 {
            _ = machine.startAttempt(now: t0)
            guard case .retry = machine.decide(after: .response(status: 503, retryAfter: nil), now: t0, jitter: &jitter) else {
                Issue.record("expected a retry")
                return
            }
        }
        _ = machine.startAttempt(now: t0)
        #expect(machine.decide(after: .response(status: 503, retryAfter: nil), now: t0, jitter: &jitter)
            == .giveUp(.attemptsExhausted))
    }
}

@Suite("Retry-After")
struct RetryAfterTests {
    // 1994-11-06T08:49:37Z
    let date: Double = 784_111_777

    @Test("Retry-After values parse to the wait they ask for", arguments: [
        ("120", Duration.seconds(120)),
        (" 0 ", .zero),
        ("Sun, 06 Nov 1994 08:49:47 GMT", .seconds(10)),
        ("Sunday, 06-Nov-94 08:50:37 GMT", .seconds(60)),
        ("Sun Nov  6 08:49:39 1994", .seconds(2)),
        ("Sun, 06 Nov 1994 08:49:00 GMT", .zero),
    ])
    func parses(text: String, wait: Duration) {
        #expect(RetryAfter.parse(text, nowSecondsSince1970: date) == wait)
    }

    @Test("Values that are neither delay-seconds nor an HTTP-date are ignored", arguments: [
        "", "-5", "1.5", "soon", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
    ])
    func rejects(text: String) {
        #expect(RetryAfter.parse(text, nowSecondsSince1970: date) == nil)
    }
}
