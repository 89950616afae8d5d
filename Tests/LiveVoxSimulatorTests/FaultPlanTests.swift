import Testing
@testable import LiveVoxSimulator

@Suite("Fault rules as values")
struct FaultPlanTests {
    @Test("Latencies add up, the first answer fault wins, and counts run out")
    func decide() {
        var plan = FaultPlan()
        _ = plan.add(FaultRule(kind: .latency, count: 1, latencyMilliseconds: 100))
        _ = plan.add(FaultRule(kind: .latency, pathPrefix: "/callControl", latencyMilliseconds: 50))
        _ = plan.add(FaultRule(kind: .error, method: "post", count: 1, status: 503))
        _ = plan.add(FaultRule(kind: .drop, pathPrefix: "/callControl"))

        let first = plan.decide(method: "POST", path: "/callControl/x", roll: { 0 })
        #expect(first.latencyMilliseconds == 150)
        #expect(first.action?.status == 503)
        #expect(plan.rules.map(\.id) == [2, 4])

        let second = plan.decide(method: "POST", path: "/callControl/x", roll: { 0 })
        #expect(second == FaultDecision(latencyMilliseconds: 50, action: plan.rules.last))

        #expect(plan.decide(method: "GET", path: "/session/login", roll: { 0 }) == FaultDecision())
    }

    @Test("A rule fires when the roll is below its rate", arguments: [(0.0, 0.0, false), (0.5, 0.49, true), (0.5, 0.5, false), (1.0, 0.99, true)])
    func rate(rate: Double, roll: Double, fires: Bool) {
        var plan = FaultPlan()
        _ = plan.add(FaultRule(kind: .error, rate: rate))
        #expect((plan.decide(method: "GET", path: "/", roll: { roll }).action != nil) == fires)
    }

    @Test("Unusable rules say why", arguments: [
        (FaultRule(kind: .latency), "a latency fault needs latencyMilliseconds."),
        (FaultRule(kind: .error, rate: -0.1), "rate must be between 0 and 1."),
        (FaultRule(kind: .error, status: 42), "status must be between 100 and 599."),
        (FaultRule(kind: .rateLimit, retryAfterSeconds: -1), "retryAfterSeconds must not be negative."),
        (FaultRule(kind: .drop, count: -1), "count must not be negative."),
    ])
    func problems(rule: FaultRule, problem: String) {
        #expect(rule.problem == problem)
    }
}

@Suite("Sessions as values")
struct SessionStoreTests {
    @Test("One live session per owner; idle expiry is rolling; logout and expireAll end sessions")
    func rules() {
        var store = SessionStore(idleSeconds: 10)
        #expect(store.login(owner: "a", now: 0, newId: "s1") == "s1")
        #expect(store.login(owner: "a", now: 5, newId: "s2") == "s1")
        #expect(store.login(owner: "b", now: 5, newId: "s3") == "s3")
        #expect(store.use("s1", now: 14) == true)
        #expect(store.use("s3", now: 15) == false)
        #expect(store.logout("s1", now: 15) == true)
        #expect(store.logout("s1", now: 15) == false)
        #expect(store.login(owner: "a", now: 16, newId: "s4") == "s4")
        store.expireAll()
        #expect(store.use("s4", now: 16) == false)
    }
}
