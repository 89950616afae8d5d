import Testing

@testable import CallGate

@Suite("The failed-authentication throttle")
struct AuthFailureThrottleTests {
    static let minute: Int64 = 1_780_315_200_000  // a minute's start

    @Test("past the limit a minute an address is throttled until the minute ends, with the seconds left; the next minute starts again")
    func windowReset() {
        let throttle = AuthFailureThrottle(limitPerMinute: 3)
        for second in 0..<3 {
            #expect(throttle.countFailure(from: "198.51.100.7", nowMillis: Self.minute + Int64(second) * 1000) == .counted)
        }
        #expect(throttle.countFailure(from: "198.51.100.7", nowMillis: Self.minute + 15_500)
                == .throttled(retryAfterSeconds: 45, summaryFailures: 4))
        #expect(throttle.countFailure(from: "198.51.100.7", nowMillis: Self.minute + 59_999)
                == .throttled(retryAfterSeconds: 1, summaryFailures: nil))
        #expect(throttle.countFailure(from: "198.51.100.7", nowMillis: Self.minute + 60_000) == .counted)
    }

    @Test("an IPv6 address counts by its /64, an IPv4 address by itself")
    func grouping() {
        let throttle = AuthFailureThrottle(limitPerMinute: 1)
        #expect(throttle.countFailure(from: "2001:db8:1:2::1", nowMillis: Self.minute) == .counted)
        #expect(throttle.countFailure(from: "2001:db8:1:2:ffff:ffff:ffff:fffe", nowMillis: Self.minute)
                == .throttled(retryAfterSeconds: 60, summaryFailures: 2))
        #expect(throttle.countFailure(from: "2001:db8:1:3::1", nowMillis: Self.minute) == .counted)
        #expect(throttle.countFailure(from: "198.51.100.7", nowMillis: Self.minute) == .counted)
        #expect(throttle.countFailure(from: "198.51.100.8", nowMillis: Self.minute) == .counted)
        #expect(AuthFailureThrottle.key(for: "::ffff:198.51.100.7") == AuthFailureThrottle.key(for: "198.51.100.7"))
    }

    @Test("one summary per address and minute, and at most the global cap of them a minute")
    func summaryCap() {
        let throttle = AuthFailureThrottle(limitPerMinute: 1, maxSummariesPerMinute: 2)
        var summaries: [Int?] = []
        for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
            for _ in 0..<3 {
                if case .throttled(_, let summary) = throttle.countFailure(from: address, nowMillis: Self.minute) { summaries.append(summary) }
            }
        }
        #expect(summaries == [2, nil, 2, nil, nil, nil])
        // A new minute, a new allowance.
        _ = throttle.countFailure(from: "192.0.2.3", nowMillis: Self.minute + 60_000)
        #expect(throttle.countFailure(from: "192.0.2.3", nowMillis: Self.minute + 60_000)
                == .throttled(retryAfterSeconds: 60, summaryFailures: 2))
    }

    @Test("memory is bounded: past the cap of tracked addresses the oldest is forgotten")
    func boundedTable() {
        let throttle = AuthFailureThrottle(limitPerMinute: 1, maxTrackedAddresses: 2)
        _ = throttle.countFailure(from: "192.0.2.1", nowMillis: Self.minute)
        _ = throttle.countFailure(from: "192.0.2.2", nowMillis: Self.minute)
        _ = throttle.countFailure(from: "192.0.2.3", nowMillis: Self.minute)
        // 192.0.2.1 was forgotten: its count starts again; 192.0.2.3 is still tracked.
        #expect(throttle.countFailure(from: "192.0.2.1", nowMillis: Self.minute) == .counted)
        #expect(throttle.countFailure(from: "192.0.2.3", nowMillis: Self.minute)
                == .throttled(retryAfterSeconds: 60, summaryFailures: 2))
    }
}
