/// A fault the simulator injects into requests it would otherwise answer normally; scoped by
/// path prefix, method and count so a test faults only what it means to.
///
/// On the wire (`POST /_sim/faults`) a rule is flat JSON, e.g.
/// `{"kind": "error", "status": 503, "rate": 0.5, "pathPrefix": "/callControl", "count": 3}`.
public struct FaultRule: Codable, Sendable, Hashable {
    /// What the fault does.
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        /// Waits `latencyMilliseconds` before handling the request (adds up with other latencies).
        case latency
        /// Answers `status` (default 500) with `body` or a LiveVox-style error body.
        case error
        /// Answers 429 with `Retry-After: retryAfterSeconds` (default 1).
        case rateLimit
        /// Closes the connection without answering.
        case drop
        /// Answers `status` (default 200) with a JSON content type and a truncated body (or `body`).
        case malformed
    }

    /// The id the simulator gave the rule, for `DELETE /_sim/faults/{id}`.
    public var id: Int?
    /// What the fault does.
    public var kind: Kind
    /// Only requests whose path starts with this (e.g. `/callControl`); all when absent.
    public var pathPrefix: String?
    /// Only requests with this method (e.g. `POST`); all when absent.
    public var method: String?
    /// How many more times the fault fires; forever when absent.
    public var count: Int?
    /// The chance (0...1) that a matching request is faulted; 1 when absent.
    public var rate: Double?
    /// For `latency`: the delay.
    public var latencyMilliseconds: Int?
    /// For `error` and `malformed`: the status to answer.
    public var status: Int?
    /// For `error` and `malformed`: the body to answer, verbatim.
    public var body: String?
    /// For `rateLimit`: the `Retry-After` value in seconds.
    public var retryAfterSeconds: Int?
    /// For `error`, `rateLimit`, `drop` and `malformed`: handle the request first (a launch is
    /// accepted, a callback stored) and only then fault the answer, as when a reply is lost.
    public var afterHandling: Bool?

    /// Creates a rule.
    public init(
        kind: Kind, pathPrefix: String? = nil, method: String? = nil, count: Int? = nil, rate: Double? = nil,
        latencyMilliseconds: Int? = nil, status: Int? = nil, body: String? = nil,
        retryAfterSeconds: Int? = nil, afterHandling: Bool? = nil
    ) {
        self.kind = kind
        self.pathPrefix = pathPrefix
        self.method = method
        self.count = count
        self.rate = rate
        self.latencyMilliseconds = latencyMilliseconds
        self.status = status
        self.body = body
        self.retryAfterSeconds = retryAfterSeconds
        self.afterHandling = afterHandling
    }

    /// Why the rule cannot be used, or `nil` when it can.
    var problem: String? {
        if let rate, !(0...1).contains(rate) { return "rate must be between 0 and 1." }
        if let count, count < 0 { return "count must not be negative." }
        if let status, !(100...599).contains(status) { return "status must be between 100 and 599." }
        if let retryAfterSeconds, retryAfterSeconds < 0 { return "retryAfterSeconds must not be negative." }
        if kind == .latency {
            guard let latencyMilliseconds else { return "a latency fault needs latencyMilliseconds." }
            if !(0...600_000).contains(latencyMilliseconds) { return "latencyMilliseconds must be between 0 and 600000." }
        }
        return nil
    }

    /// Whether the rule applies to a request, before its rate is rolled.
    func matches(method requestMethod: String, path: String) -> Bool {
        if let count, count <= 0 { return false }
        if let method, method.uppercased() != requestMethod { return false }
        if let pathPrefix, !path.hasPrefix(pathPrefix) { return false }
        return true
    }
}

/// What the fault rules decided for one request.
struct FaultDecision: Sendable, Equatable {
    /// The total delay before answering.
    var latencyMilliseconds = 0
    /// The fault that replaces the answer, if any.
    var action: FaultRule?
}

/// A control rule the simulator numbers when it is added, so a test can remove it by id.
protocol NumberedRule: Sendable {
    /// The id the simulator gave the rule.
    var id: Int? { get set }
}

extension FaultRule: NumberedRule {}

/// Control rules in the order they were added, numbered from 1.
struct NumberedRules<Rule: NumberedRule>: Sendable {
    var rules: [Rule] = []
    private var nextId = 1

    /// Adds a rule and returns it with its id.
    mutating func add(_ rule: Rule) -> Rule {
        var rule = rule
        rule.id = nextId
        nextId += 1
        rules.append(rule)
        return rule
    }

    /// Removes the rule `id`; false when there was none.
    mutating func remove(id: Int) -> Bool {
        guard let index = rules.firstIndex(where: { $0.id == id }) else { return false }
        rules.remove(at: index)
        return true
    }

    /// Removes every rule.
    mutating func clear() {
        rules.removeAll()
    }
}

/// The active fault rules, in the order they were added.
typealias FaultPlan = NumberedRules<FaultRule>

extension NumberedRules where Rule == FaultRule {
    /// Decides a request's faults: every matching latency adds up, and the first matching answer
    /// fault wins; each rule that fires uses up one of its count. `roll` returns values in [0, 1).
    mutating func decide(method: String, path: String, roll: () -> Double) -> FaultDecision {
        var decision = FaultDecision()
        for index in rules.indices where rules[index].matches(method: method, path: path) {
            let rule = rules[index]
            if rule.kind != .latency, decision.action != nil { continue }
            if let rate = rule.rate, rate < 1, roll() >= rate { continue }
            if let count = rule.count { rules[index].count = count - 1 }
            if rule.kind == .latency {
                decision.latencyMilliseconds += rule.latencyMilliseconds ?? 0
            } else {
                decision.action = rules[index]
            }
        }
        rules.removeAll { $0.count == 0 }
        return decision
    }
}
