import CallGateCore
import Foundation
import Testing

@testable import CallGate

@Suite("Rate limits")
struct RateLimitTests {
    static let millisecond: Int64 = 1_000_000

    @Test("GCRA: a burst at once, then one request per interval; refusals move nothing")
    func cellRate() {
        let limiter = RateLimiter()
        let limit = RateLimit(requestsPerSecond: 10, burst: 3)
        func check(_ atMillis: Int64) -> RateLimiter.Decision {
            limiter.check("api_key:crm", limit, nowNanos: atMillis * Self.millisecond)
        }
        // (time, allowed, remaining, reset, retry after)
        let expected: [(Int64, Bool, Int, Int, Int?)] = [
            (0, true, 2, 1, nil), (0, true, 1, 1, nil), (0, true, 0, 1, nil),
            (0, false, 0, 1, 1), (50, false, 0, 1, 1),
            (100, true, 0, 1, nil), (150, false, 0, 1, 1),
            (1_000, true, 2, 1, nil),
        ]
        for (time, allowed, remaining, reset, retryAfter) in expected {
            let decision = check(time)
            #expect(decision == RateLimiter.Decision(isAllowed: allowed, limit: 3, remaining: remaining,
                                                     resetSeconds: reset, retryAfterSeconds: retryAfter), "at \(time) ms")
        }
    }

    @Test("A slow rate asks for a long wait: 1 request per minute, the second waits 60 s")
    func slowRate() {
        let limiter = RateLimiter()
        let limit = RateLimit(requestsPerSecond: 1.0 / 60, burst: 1)
        #expect(limiter.check("jwt:svc", limit, nowNanos: 0).isAllowed)
        let refused = limiter.check("jwt:svc", limit, nowNanos: 0)
        #expect(refused.retryAfterSeconds == 60)
        #expect(refused.resetSeconds == 60)
        #expect(limiter.check("jwt:svc", limit, nowNanos: 60_000 * Self.millisecond).isAllowed)
    }

    @Test("Under concurrency exactly the burst is admitted at one instant; principals are counted apart")
    func concurrency() async {
        let limiter = RateLimiter()
        let limit = RateLimit(requestsPerSecond: 1, burst: 50)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<100).count { _ in limiter.check("api_key:crm", limit, nowNanos: 5 * Self.millisecond).isAllowed }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 50)
        // A webhook source named like the key has a bucket of its own.
        #expect(limiter.check("webhook:crm", limit, nowNanos: 5 * Self.millisecond).remaining == 49)
    }

    @Test("Unusable limits are refused with the field named", arguments: [
        (RateLimit(requestsPerSecond: 0, burst: 1), "requestsPerSecond must be more than 0 and at most 1000000."),
        (RateLimit(requestsPerSecond: .infinity, burst: 1), "requestsPerSecond must be more than 0 and at most 1000000."),
        (RateLimit(requestsPerSecond: 5, burst: 0), "burst must be from 1 to 1000000."),
    ])
    func invalidLimits(limit: RateLimit, message: String) {
        #expect(limit.problem(in: "key #1") == "key #1: " + message)
        #expect(RateLimit(requestsPerSecond: 2.5).burst == 5)
    }

    @Test("A keys file keeps a key's limit, and refuses an unusable one")
    func keysFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var file = KeysFile()
        _ = try file.create(name: "crm", role: .manager, services: nil, agentLoginId: nil,
                            rateLimit: RateLimit(requestsPerSecond: 20, burst: 40))
        try file.save(path: path)
        let principal = try KeysFile.load(path: path).principals(path: path).byDigest.values.first
        #expect(principal?.rateLimit == RateLimit(requestsPerSecond: 20, burst: 40))
        try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "burst: 40", with: "burst: 0")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KeysFileError("\(path), key #1 (crm), rateLimit: burst must be from 1 to 1000000.")) {
            try KeysFile.load(path: path)
        }
    }

    @Test("A limited key gets its burst, then 429 with Retry-After and RateLimit headers; others are not limited")
    func gateway() async throws {
        let gateway = try await GatewayHarness()
        defer { Task { await gateway.shutdown() } }
        let first = await gateway.send("GET", "/v1/services/21429/queue", key: "limited")
        #expect(first.status == 200)
        #expect([first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"], first.headers["ratelimit-reset"]]
                == ["2", "1", "2"])
        let second = await gateway.send("GET", "/v1/services/21429/queue", key: "limited")
        #expect(second.status == 200)
        #expect(second.headers["ratelimit-remaining"] == "0")
        let refused = await gateway.send("GET", "/v1/services/21429/queue", key: "limited")
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "2")
        #expect(refused.headers["ratelimit-remaining"] == "0")
        #expect(refused.json?["code"] == .string("rate_limited"))
        #expect(refused.json?["detail"] == .string("'limited' may make 0.5 requests per second (bursts of 2); retry in 2 s."))
        let other = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        #expect(other.status == 200)
        #expect(other.headers["ratelimit-limit"] == nil)
    }

    @Test("The default limit applies to principals without their own; a key's own limit wins")
    func defaultLimit() async throws {
        let gateway = try await GatewayHarness(defaultRateLimit: RateLimit(requestsPerSecond: 1, burst: 1))
        defer { Task { await gateway.shutdown() } }
        #expect(await gateway.send("GET", "/v1/services/21429/queue", key: "manager").status == 200)
        let refused = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "1")
        let limited = await gateway.send("GET", "/v1/services/21429/queue", key: "limited")
        #expect(limited.headers["ratelimit-limit"] == "2")
        // Unauthenticated requests are refused before any limit is counted.
        #expect(await gateway.send("GET", "/v1/services/21429/queue").headers["ratelimit-limit"] == nil)
    }

    @Test("A webhook source's own limit (sources file) applies to its webhooks; a refused one leaves nothing in the outbox")
    func webhookSource() async throws {
        let webhooks = try await WebhookGateway.make(sourceRateLimit: RateLimit(requestsPerSecond: 0.5, burst: 1))
        defer { Task { await webhooks.shutdown() } }
        let body = #"{"serviceId": 21429, "phone": "4158149720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#
        let first = await webhooks.post("callbacks", body, id: "limited-1")
        #expect(first.status == 202)
        #expect([first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]] == ["1", "0"])
        let refused = await webhooks.post("callbacks", body, id: "limited-2")
        #expect(refused.status == 429)
        #expect(refused.headers["retry-after"] == "2")
        #expect(refused.json?["detail"] == .string("'crm' may make 0.5 requests per second (bursts of 1); retry in 2 s."))
        #expect(try await webhooks.deliveries().map(\.webhookId) == ["limited-1"])
        let reloaded = try WebhookSourcesFile.load(path: webhooks.sourcesPath)
        #expect(reloaded.sources.first?.rateLimit == RateLimit(requestsPerSecond: 0.5, burst: 1))
    }

    @Test("A token's rateLimit claim limits that token; a malformed claim gets 403 saying what is expected")
    func tokenClaim() async throws {
        let gateway = try await JWTGatewayTests.gateway()
        defer { Task { await gateway.shutdown() } }
        let exp = Int(Date().timeIntervalSince1970) + 600
        func token(_ limit: String) -> String {
            JWTGatewayTests.token(#"{"iss":"https://idp.internal","aud":"callgate","sub":"reports","exp":\#(exp),"role":"Manager","rateLimit":\#(limit)}"#)
        }
        let limited = token(#"{"requestsPerSecond": 1, "burst": 1}"#)
        let first = await gateway.send("GET", "/v1/services/21429/queue", key: limited)
        #expect(first.status == 200)
        #expect(first.headers["ratelimit-limit"] == "1")
        let refused = await gateway.send("GET", "/v1/services/21429/queue", key: limited)
        #expect(refused.status == 429)
        #expect(refused.json?["detail"] == .string("'reports' may make 1 request per second (bursts of 1); retry in 1 s."))
        for malformed in [#""fast""#, #"{"requestsPerSecond": 0}"#, #"{"requestsPerSecond": 5, "burst": 1.5}"#,
                          #"{"requestsPerSecond": 5, "window": 60}"#] {
            let answer = await gateway.send("GET", "/v1/services/21429/queue", key: token(malformed))
            #expect(answer.status == 403, "\(malformed)")
            #expect(answer.json?["code"] == .string("forbidden_token"))
            #expect(answer.json?["detail"] == .string(
                #"The token's rateLimit claim must be an object such as {"requestsPerSecond": 20, "burst": 40} (rate above 0 and at most 1000000, burst from 1 to 1000000); omit it for the gateway's default limit."#))
        }
    }
}
