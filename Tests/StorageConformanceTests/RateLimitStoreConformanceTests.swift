import CallGateStorage
import PostgresStorage
import StorageTestSupport
import Testing

/// A rate-limit store under test.
struct RateLimitBackend: Sendable, CustomTestStringConvertible {
    /// The store's name in test reports.
    let name: String
    /// Makes an empty store in `directory`, and what closes it.
    let make: @Sendable (TemporaryDirectory) async throws -> (store: any RateLimitStore, close: @Sendable () async -> Void)

    var testDescription: String { name }

    /// Runs `body` with an empty store, then closes it.
    func withStore(_ body: (any RateLimitStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let (store, close) = try await make(directory)
        do {
            try await body(store)
        } catch {
            await close()
            throw error
        }
        await close()
    }

    /// Every rate-limit store; each conformance test runs once per store. The PostgreSQL one is
    /// one instance alone on its database, exchanging in the background as in service: it must
    /// answer exactly as the in-process store.
    static let all: [RateLimitBackend] = [
        RateLimitBackend(name: "in process") { _ in (InProcessRateLimitStore(), {}) },
        RateLimitBackend(name: "PostgreSQL") { directory in
            let storage = try await Backend.postgres.open(directory)
            return (storage.rateLimits, { await storage.audit.close() })
        },
    ]
}

/// What every rate-limit store does with the generic cell rate algorithm's instants.
@Suite("Rate-limit store conformance")
struct RateLimitStoreConformanceTests {
    static let interval: Int64 = 100
    static let window: Int64 = 300

    @Test("a burst is admitted at once, then one request per interval; a refusal moves nothing",
          arguments: RateLimitBackend.all)
    func cellRate(backend: RateLimitBackend) async throws {
        try await backend.withStore { store in
            // (time, admitted, start)
            let expected: [(Int64, Bool, Int64)] = [
                (0, true, 0), (0, true, 100), (0, true, 200), (0, false, 300), (50, false, 300),
                (100, true, 300), (150, false, 400), (1_000, true, 1_000),
            ]
            for (time, admitted, start) in expected {
                let admission = store.admit("api_key:crm", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: time)
                #expect(admission == RateLimitAdmission(isAdmitted: admitted, startNanos: start), "at \(time)")
            }
        }
    }

    @Test("under concurrency exactly the burst is admitted at one instant; keys are counted apart",
          arguments: RateLimitBackend.all)
    func concurrency(backend: RateLimitBackend) async throws {
        try await backend.withStore { store in
            let admitted = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        (0..<100).count { _ in
                            store.admit("api_key:crm", intervalNanos: 1_000, windowNanos: 50_000, nowNanos: 5).isAdmitted
                        }
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(admitted == 50)
            #expect(store.admit("webhook:crm", intervalNanos: 1_000, windowNanos: 50_000, nowNanos: 5)
                == RateLimitAdmission(isAdmitted: true, startNanos: 5))
        }
    }

    @Test("keys whose burst is full again may be forgotten, which changes no decision",
          arguments: RateLimitBackend.all)
    func forgetting(backend: RateLimitBackend) async throws {
        try await backend.withStore { store in
            func admit(_ key: String, at now: Int64) -> RateLimitAdmission {
                store.admit(key, intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: now)
            }
            _ = admit("busy", at: 1_000)
            _ = admit("busy", at: 1_000)
            for index in 0...InProcessRateLimitStore.forgetAbove {
                _ = admit("idle-\(index)", at: 0)
            }
            // Past the limit of remembered keys: the idle ones may go, the busy one keeps its instant.
            #expect(admit("another", at: 1_000) == RateLimitAdmission(isAdmitted: true, startNanos: 1_000))
            #expect(admit("busy", at: 1_000) == RateLimitAdmission(isAdmitted: true, startNanos: 1_200))
            #expect(admit("busy", at: 1_000) == RateLimitAdmission(isAdmitted: false, startNanos: 1_300))
            #expect(admit("idle-7", at: 1_000) == RateLimitAdmission(isAdmitted: true, startNanos: 1_000))
        }
    }
}
