import Synchronization
import Testing
@testable import CallGate

/// `/readyz` is answered from a state checked at most once a second.
struct ReadinessCacheTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
    }

    @Test("A hundred /readyz in one second check once; the next check comes once the answer is a second old")
    func checkedOncePerSecond() async throws {
        let checks = Mutex(0)
        let ready = Mutex(true)
        let clock = Clock()
        let probes = Probes(openAPIDocument: [], exposition: nil, readiness: ReadinessCache(check: {
            checks.withLock { $0 += 1 }
            return Gateway.Readiness(isReady: ready.withLock { $0 }, detail: "the audit store cannot be written (test)")
        }, now: clock.now))

        for _ in 0..<100 {
            #expect(try await probes.answer(.readiness, path: "/readyz")?.status == 200)
        }
        #expect(checks.withLock { $0 } == 1)

        ready.withLock { $0 = false }
        clock.advance(.milliseconds(999))
        #expect(try await probes.answer(.readiness, path: "/readyz")?.status == 200, "still the answer checked 999 ms ago")
        #expect(checks.withLock { $0 } == 1)

        clock.advance(.milliseconds(1))
        await #expect(throws: Problem(503, .notReady, "the audit store cannot be written (test)")) {
            try await probes.answer(.readiness, path: "/readyz")
        }
        #expect(checks.withLock { $0 } == 2)
    }
}
