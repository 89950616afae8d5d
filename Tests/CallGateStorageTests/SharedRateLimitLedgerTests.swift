import CallGateStorage
import Testing

/// The local half of a shared rate limit, without a database: what it decides between exchanges,
/// what it sends, and what it makes of an answer.
@Suite("Shared rate-limit ledger")
struct SharedRateLimitLedgerTests {
    static let interval: Int64 = 100
    static let window: Int64 = 900

    static func admitted(_ ledger: inout SharedRateLimitLedger, _ count: Int, at now: Int64) -> Int {
        (0..<count).count { _ in ledger.admit("k", intervalNanos: interval, windowNanos: window, nowNanos: now).isAdmitted }
    }

    @Test("alone, it sends where its admissions start and how far they move the key, and the answer changes no later decision")
    func alone() {
        var ledger = SharedRateLimitLedger()
        #expect(Self.admitted(&ledger, 4, at: 1_000) == 4)
        #expect(ledger.beginExchange() == [.init(key: "k", startNanos: 1_000, advanceNanos: 400)])
        // Admitted while the exchange is under way: kept apart, placed after the answer.
        #expect(Self.admitted(&ledger, 2, at: 1_000) == 2)
        ledger.complete(.init(instants: ["k": 1_400], sharers: ["k": 1], liveInstances: 1))
        #expect(Self.admitted(&ledger, 5, at: 1_000) == 3)
        #expect(ledger.beginExchange() == [.init(key: "k", startNanos: 1_400, advanceNanos: 500)])
    }

    @Test("an answer with other instances' admissions moves the key past them; sharers take a share of the headroom each")
    func shared() {
        var ledger = SharedRateLimitLedger()
        #expect(Self.admitted(&ledger, 1, at: 0) == 1)
        _ = ledger.beginExchange()
        // Two others admitted 2 between them: the shared instant is 300, three instances ask.
        ledger.complete(.init(instants: ["k": 300], sharers: ["k": 3], liveInstances: 3))
        // Headroom 600 at time 0 (900 - 300): a third each, 2 admissions of 300 charged.
        #expect(Self.admitted(&ledger, 5, at: 0) == 2)
        #expect(ledger.beginExchange() == [.init(key: "k", startNanos: 300, advanceNanos: 200)])
        // A key new to the ledger is assumed shared by every live instance: a third of the burst.
        #expect((0..<9).count { _ in ledger.admit("new", intervalNanos: Self.interval, windowNanos: Self.window, nowNanos: 0).isAdmitted } == 3)
    }

    @Test("a failed exchange sends its admissions again with the next one, from the same start")
    func failure() {
        var ledger = SharedRateLimitLedger()
        #expect(Self.admitted(&ledger, 3, at: 0) == 3)
        #expect(ledger.beginExchange() == [.init(key: "k", startNanos: 0, advanceNanos: 300)])
        ledger.fail()
        #expect(Self.admitted(&ledger, 1, at: 0) == 1)
        #expect(ledger.beginExchange() == [.init(key: "k", startNanos: 0, advanceNanos: 400)])
        ledger.complete(.init(instants: ["k": 400], sharers: ["k": 1], liveInstances: 1))
        #expect(ledger.beginExchange() == [])
    }

    @Test("a burst smaller than its sharers still admits one request per exchange on each")
    func smallBurst() {
        var ledger = SharedRateLimitLedger()
        ledger.complete(.init(instants: [:], sharers: [:], liveInstances: 4))
        #expect((0..<3).count { _ in ledger.admit("k", intervalNanos: 100, windowNanos: 200, nowNanos: 0).isAdmitted } == 1)
    }
}
