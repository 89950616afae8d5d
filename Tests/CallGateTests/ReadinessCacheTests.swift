import Synchronization
import Testing
@testable import CallGate

/// `/readyz`'s audit check (a write probe of the store) runs at most once a second.
struct ReadinessCacheTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
    }

    @Test("A hundred answers in one second check once; the next check comes once the answer is a second old")
    func checkedOncePerSecond() async {
        let checks = Mutex(0)
        let writable = Mutex(true)
        let clock = Clock()
        let cache = ReadinessCache(check: {
            checks.withLock { $0 += 1 }
            return Gateway.Readiness(isReady: writable.withLock { $0 }, detail: "the audit store cannot be written (test)")
        }, now: clock.now)

        for _ in 0..<100 {
            #expect(await cache.current().isReady)
        }
        #expect(checks.withLock { $0 } == 1)

        writable.withLock { $0 = false }
        clock.advance(.milliseconds(999))
        #expect(await cache.current().isReady, "still the answer checked 999 ms ago")
        #expect(checks.withLock { $0 } == 1)

        clock.advance(.milliseconds(1))
        #expect(await cache.current() == Gateway.Readiness(isReady: false, detail: "the audit store cannot be written (test)"))
        #expect(checks.withLock { $0 } == 2)
    }
}
