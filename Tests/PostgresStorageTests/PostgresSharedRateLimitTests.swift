import CallGateStorage
import Foundation
import PostgresStorage
import StorageTestSupport
import Synchronization
import Testing

/// What only rate limits shared by several instances show: three stores, each with a pool of its
/// own (as three processes), on one database, deciding on the wall clock as the gateway does.
@Suite("PostgreSQL: one rate limit, several instances", .serialized)
struct PostgresSharedRateLimitTests {
    /// 50 requests a second, bursts of 10.
    static let interval: Int64 = 20_000_000
    static let burst: Int64 = 10
    static let window = interval * burst

    /// What the clients of one run asked and got: the wall-clock instants of every request, and
    /// whether it was admitted.
    final class Admitted: Sendable {
        let requests = Mutex<[(instant: Int64, admitted: Bool)]>([])

        /// How many were admitted, and how many a limit of `interval` and `burst` admits over the
        /// interval from the first admitted request to the last: rate × interval + burst, less the
        /// time of any pause longer than the burst's window in which no client asked (a thread
        /// the loaded machine does not run for a while asks nothing, and a limit admits at most
        /// one burst after a pause, whatever its length).
        var countAndExpected: (count: Int, expected: Double) {
            requests.withLock { requests in
                let admitted = requests.filter(\.admitted).map(\.instant)
                guard let first = admitted.min(), let last = admitted.max() else { return (0, 0) }
                let asked = requests.map(\.instant).filter { $0 >= first && $0 <= last }.sorted()
                let paused = zip(asked, asked.dropFirst()).reduce(Int64(0)) { sum, pair in sum + max(0, pair.1 - pair.0 - window) }
                return (admitted.count, Double(last - first - paused) / Double(interval) + Double(burst))
            }
        }
    }

    /// Sends requests of `key` to each store in `busy`, one client each, one request every
    /// millisecond (50 times the limit over the clients), for `duration`. The clients are threads of
    /// their own: a client on the suite's two cooperative threads would pause while another test
    /// blocks one, and count fewer admissions for it than the limit allows.
    static func hammer(_ busy: [any RateLimitStore], key: String, for duration: Duration) async -> Admitted {
        let admitted = Admitted()
        let end = ContinuousClock.now + duration
        await withTaskGroup(of: Void.self) { group in
            for store in busy {
                group.addTask {
                    await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                        Thread {
                            while ContinuousClock.now < end {
                                let now = WallClock.nowNanos()
                                let isAdmitted = store.admit(key, intervalNanos: interval, windowNanos: window, nowNanos: now).isAdmitted
                                admitted.requests.withLock { $0.append((now, isAdmitted)) }
                                usleep(1_000)
                            }
                            finished.resume()
                        }.start()
                    }
                }
            }
        }
        return admitted
    }

    /// Opens `count` instances on `database`.
    static func instances(_ count: Int, on database: PostgresTestDatabase) async throws -> [PostgresAuditStore] {
        var stores: [PostgresAuditStore] = []
        for _ in 0..<count { stores.append(try await database.open()) }
        // Every instance has sent its heartbeat, then learnt how many there are.
        for _ in 0..<2 {
            for store in stores { #expect(await store.rateLimits.exchangeOnce()) }
        }
        return stores
    }

    @Test("of three instances on one database, all three or one alone hammering one key (50/s, burst 10) for 4 s admit rate × interval + burst, within 10 %",
          arguments: [3, 1])
    func hammered(busy: Int) async throws {
        let database = try PostgresTestDatabase()
        let stores = try await Self.instances(3, on: database)
        let admitted = await Self.hammer(stores.prefix(busy).map(\.rateLimits), key: "api_key:crm", for: .seconds(4))
        let (count, expected) = admitted.countAndExpected
        #expect(expected > 150, "the measured interval is about 4 s")
        #expect(Double(count) <= expected * 1.1 && Double(count) >= expected * 0.9,
                "\(busy) busy admitted \(count), expected \(expected) ± 10 %")
        for store in stores { await store.close() }
    }

    @Test("the shared instant counts every instance's admissions exactly, and two instances never admit more than the burst at one instant")
    func sharedInstant() async throws {
        let database = try PostgresTestDatabase()
        let stores = try await Self.instances(2, on: database)
        let now = WallClock.nowNanos()
        func admitted(_ store: PostgresAuditStore, _ count: Int) -> Int {
            (0..<count).count { _ in store.rateLimits.admit("k", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now).isAdmitted }
        }
        func sharedInstant() throws -> String {
            try database.psql("SELECT instant_ns FROM rate_limits WHERE key = 'k'").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // A key new to an instance is assumed shared by every live instance: half the burst each.
        let first = admitted(stores[0], 12)
        #expect(first == 5)
        #expect(await stores[0].rateLimits.exchangeOnce())
        #expect(try sharedInstant() == String(now + Int64(first) * Self.interval))
        // The second instance learns the key at its first exchange, after deciding once alone.
        #expect(admitted(stores[1], 1) == 1)
        #expect(await stores[1].rateLimits.exchangeOnce())
        #expect(try sharedInstant() == String(now + Int64(first + 1) * Self.interval))
        let second = admitted(stores[1], 12)
        #expect(await stores[1].rateLimits.exchangeOnce())
        #expect(try sharedInstant() == String(now + Int64(first + 1 + second) * Self.interval))
        #expect(first + 1 + second <= Int(Self.burst))
        for store in stores { await store.close() }
    }

    @Test("a lost database: admissions go on from the local state, each failed exchange is counted, and what was admitted meanwhile reaches the database when it is back")
    func lostDatabase() async throws {
        let database = try PostgresTestDatabase()
        let failures = Atomic(0)
        var configuration = PostgresTestCluster.storeConfiguration
        configuration.rateLimitExchange = PostgresRateLimitStore.Exchange(timeout: .seconds(3), failed: { failures.add(1, ordering: .relaxed) })
        let store = try await PostgresAuditStore.open(database.address(), keys: Fixtures.keys, configuration: configuration)
        let rateLimits = store.rateLimits
        let now = WallClock.nowNanos()
        #expect(rateLimits.admit("k", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now).isAdmitted)
        #expect(await rateLimits.exchangeOnce())

        try PostgresTestCluster.psql("ALTER DATABASE \(database.name) ALLOW_CONNECTIONS false")
        try PostgresTestCluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database.name)'")
        let during = (0..<10).map { _ in rateLimits.admit("k", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now) }
        #expect(during.map(\.isAdmitted) == Array(repeating: true, count: 9) + [false])
        let before = failures.load(ordering: .relaxed)
        #expect(await rateLimits.exchangeOnce() == false)
        #expect(await rateLimits.exchangeOnce() == false)
        #expect(failures.load(ordering: .relaxed) >= before + 2)

        try PostgresTestCluster.psql("ALTER DATABASE \(database.name) ALLOW_CONNECTIONS true")
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = await rateLimits.exchangeOnce()
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered)
        // Every admission reaches the database: once, or twice for those of an exchange that was
        // applied but whose answer came after its deadline (stricter for a moment, never looser).
        let shared = try #require(Int64(database.psql("SELECT instant_ns FROM rate_limits WHERE key = 'k'")
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(shared >= now + 10 * Self.interval && shared <= now + 19 * Self.interval,
                "the shared instant is \((shared - now) / Self.interval) intervals ahead of the first admission")
        await store.close()
    }

    @Test("rows of keys idle past the forgetting time are deleted; a busy key's row stays")
    func forgetting() async throws {
        let database = try PostgresTestDatabase()
        var configuration = PostgresTestCluster.storeConfiguration
        configuration.rateLimitExchange = PostgresRateLimitStore.Exchange(forgetAfter: .seconds(1))
        let store = try await PostgresAuditStore.open(database.address(), keys: Fixtures.keys, configuration: configuration)
        let now = WallClock.nowNanos()
        _ = store.rateLimits.admit("idle", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now - 5_000_000_000)
        _ = store.rateLimits.admit("busy", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now)
        #expect(await store.rateLimits.exchangeOnce())
        #expect(try database.psql("SELECT count(*) FROM rate_limits").trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        // The next exchange that forgets comes a second later; the busy key is asked for meanwhile.
        var remaining = ""
        for _ in 0..<40 where remaining != "busy" {
            try await Task.sleep(for: .milliseconds(100))
            _ = store.rateLimits.admit("busy", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: WallClock.nowNanos())
            remaining = try database.psql("SELECT string_agg(key, ',') FROM rate_limits").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(remaining == "busy")
        await store.close()
    }
}
