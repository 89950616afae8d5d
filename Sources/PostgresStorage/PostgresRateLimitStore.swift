import CallGateStorage
import Logging
import PostgresNIO
import Synchronization

/// The rate limits every instance on one PostgreSQL database shares (schema version 4,
/// `Migrations/0004_RateLimits.swift`), decided locally and exchanged in the background.
///
/// `admit` never waits for the database: it decides from this instance's `SharedRateLimitLedger`
/// under a lock. Every `Exchange.period` an exchange sends each key asked for since the last one:
/// `rate_limits.instant_ns = GREATEST(instant_ns, start) + advance`, answered with the instant that
/// now includes every instance's admissions, and records in `rate_limit_demand` that this instance
/// asked for the key, so each instance learns how many share a key's load and takes only its
/// share of the headroom between exchanges (docs/architecture.md, "One rate limit for every
/// instance", says why and what it costs).
///
/// A database that cannot be reached blocks and fails nothing: the local decisions hold, the
/// exchange is tried again each period with everything still unsent, and each failure is logged
/// (once per outage) and reported to `Exchange.failed` (the `callgate_rate_limit_sync_failures_total`
/// metric). Rows of keys idle for `Exchange.forgetAfter` are deleted, as `InProcessRateLimitStore`
/// forgets keys whose burst is full again.
public final class PostgresRateLimitStore: RateLimitStore {
    /// How often and how the store exchanges with the database.
    public struct Exchange: Sendable {
        /// The time between two exchanges: the longest an instance decides on what it alone knows.
        public var period: Duration
        /// How long an instance's request for a key counts it among the key's sharers: long enough
        /// that an instance whose exchanges are late (a loaded machine) is still counted, short
        /// enough that one which stopped asking soon leaves the others its share.
        public var demandWindow: Duration
        /// How long an instance that stopped exchanging counts as live (an idle one exchanges once a second).
        public var liveWindow: Duration
        /// How long a key's row outlives its last admission's instant, and an instance's rows its last exchange.
        public var forgetAfter: Duration
        /// The longest one exchange waits for the database before it counts as failed (the pool
        /// waits for a connection it cannot make rather than failing; the next period tries again).
        public var timeout: Duration
        /// Called once per failed exchange (the metric).
        public var failed: (@Sendable () -> Void)?

        /// The defaults: an exchange every 50 ms (docs/benchmarks.md, "Shared rate limits", measured
        /// the error it leaves), sharers counted over 2 seconds, rows forgotten after a minute, an
        /// exchange given 2 seconds.
        public init(period: Duration = .milliseconds(50), demandWindow: Duration = .seconds(2),
                    liveWindow: Duration = .seconds(3), forgetAfter: Duration = .seconds(60), timeout: Duration = .seconds(2),
                    failed: (@Sendable () -> Void)? = nil) {
            self.period = period
            self.demandWindow = demandWindow
            self.liveWindow = liveWindow
            self.forgetAfter = forgetAfter
            self.timeout = timeout
            self.failed = failed
        }
    }

    /// This instance's name in `rate_limit_demand` and `rate_limit_instances`.
    public let instance: String
    private let pool: PostgresPool
    private let exchange: Exchange
    private let nowNanos: @Sendable () -> Int64
    private let logger: Logger
    private let ledger = Mutex(SharedRateLimitLedger())
    private let state = Mutex(State())
    /// Whether an exchange is under way, and the callers waiting for their turn: the ledger holds
    /// one exchange's admissions apart at a time.
    private let turn = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    private struct State {
        var loop: Task<Void, Never>?
        var isStopped = false
        var failing = false
        var lastBeatNanos: Int64?
        var lastForgetNanos: Int64?
    }

    init(pool: PostgresPool, instance: String, exchange: Exchange, nowNanos: @escaping @Sendable () -> Int64 = WallClock.nowNanos,
         logger: Logger) {
        self.pool = pool
        self.instance = instance
        self.exchange = exchange
        self.nowNanos = nowNanos
        self.logger = logger
    }

    public func admit(_ key: String, intervalNanos: Int64, windowNanos: Int64, nowNanos: Int64) -> RateLimitAdmission {
        ledger.withLock { $0.admit(key, intervalNanos: intervalNanos, windowNanos: windowNanos, nowNanos: nowNanos) }
    }

    /// Starts exchanging every period, until `stop`.
    func start() {
        state.withLock { state in
            guard state.loop == nil, !state.isStopped else { return }
            state.loop = Task { [self] in
                while !Task.isCancelled {
                    // Not cancelled with the loop: `stop` ends the wait between exchanges, not
                    // one under way, which would count as failed.
                    _ = await Task { await runExchange(beating: false) }.value
                    try? await Task.sleep(for: exchange.period)
                }
            }
        }
    }

    /// Stops exchanging, after one last exchange sends what this instance admitted since the one
    /// before (so the others count it after a restart too); called before the pool closes.
    func stop() async {
        let loop = state.withLock { state in
            state.isStopped = true
            return state.loop
        }
        guard let loop else { return }
        loop.cancel()
        await loop.value
        await runExchange(beating: false)
    }

    /// One exchange now, heartbeat included (as the background's are, every period): sends what
    /// the ledger holds, takes the answer, logs and counts a failure. Returns whether it succeeded.
    @discardableResult
    public func exchangeOnce() async -> Bool {
        await runExchange(beating: true)
    }

    /// One exchange; an idle one (`beating` false and nothing to send) touches the database only
    /// when the last heartbeat is a second old.
    @discardableResult
    private func runExchange(beating: Bool) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isFree = turn.withLock { turn in
                guard turn.busy else {
                    turn.busy = true
                    return true
                }
                turn.waiting.append(continuation)
                return false
            }
            if isFree { continuation.resume() }
        }
        defer {
            let next = turn.withLock { turn in
                if turn.waiting.isEmpty { turn.busy = false }
                return turn.waiting.isEmpty ? nil : turn.waiting.removeFirst()
            }
            next?.resume()
        }
        let contributions = ledger.withLock { $0.beginExchange() }
        let now = nowNanos()
        do throws(AuditStoreError) {
            guard let answer = try await send(contributions, beating: beating, nowNanos: now) else { return true }
            ledger.withLock { $0.complete(answer) }
            let recovered = state.withLock { state in
                defer { state.failing = false }
                return state.failing
            }
            if recovered { logger.notice("Rate limits are shared through the PostgreSQL store again") }
            return true
        } catch {
            ledger.withLock { $0.fail() }
            exchange.failed?()
            let first = state.withLock { state in
                defer { state.failing = true }
                return !state.failing
            }
            if first {
                logger.warning("Rate limits cannot be shared through the PostgreSQL store; each instance decides alone until it answers", metadata: [
                    "store.error": "\(error)",
                ])
            }
            return false
        }
    }

    /// Sends `contributions` with this instance's heartbeat (with none, only once a second: an idle
    /// instance costs the database one statement a second); forgets idle rows every `forgetAfter`.
    /// nil when there was nothing to send.
    private func send(
        _ contributions: [SharedRateLimitLedger.Contribution], beating: Bool, nowNanos: Int64
    ) async throws(AuditStoreError) -> SharedRateLimitLedger.Answer? {
        let forgetNanos = Self.nanos(exchange.forgetAfter)
        let (beat, forget) = state.withLock { state in
            let beat = beating || !contributions.isEmpty || state.lastBeatNanos.map { nowNanos - $0 >= 1_000_000_000 } ?? true
            let forget = beat && (state.lastForgetNanos.map { nowNanos - $0 >= forgetNanos } ?? true)
            if beat { state.lastBeatNanos = nowNanos }
            if forget { state.lastForgetNanos = nowNanos }
            return (beat, forget)
        }
        guard beat else { return nil }
        let instance = instance
        let logger = logger
        let settings = exchange
        let nowMillis = nowNanos / 1_000_000
        return try await pool.perform("exchange the rate limits", timeout: settings.timeout) { client in
            try await client.withConnection { connection in
                var answer = SharedRateLimitLedger.Answer(instants: [:], sharers: [:], liveInstances: 1)
                if forget {
                    try await Self.forgetIdle(connection, nowNanos: nowNanos, exchange: settings, logger: logger)
                }
                let live = try await connection.query("""
                    WITH beat AS (
                        INSERT INTO rate_limit_instances (instance, seen_ms) VALUES (\(instance), \(nowMillis))
                        ON CONFLICT (instance) DO UPDATE SET seen_ms = EXCLUDED.seen_ms
                    )
                    SELECT 1 + count(*) FROM rate_limit_instances
                    WHERE instance <> \(instance) AND seen_ms >= \(nowMillis - Self.nanos(settings.liveWindow) / 1_000_000)
                    """, logger: logger)
                for try await count in live.decode(Int64.self) { answer.liveInstances = Int(count) }
                guard !contributions.isEmpty else { return answer }
                let keys = contributions.map(\.key)
                let instants = try await connection.query("""
                    WITH batch AS (
                        SELECT * FROM unnest(\(keys)::text[], \(contributions.map(\.startNanos))::bigint[],
                                             \(contributions.map(\.advanceNanos))::bigint[]) AS b(key, start_ns, advance_ns)
                    )
                    INSERT INTO rate_limits AS r (key, instant_ns, updated_ms)
                    SELECT key, start_ns + advance_ns, \(nowMillis) FROM batch
                    ON CONFLICT (key) DO UPDATE SET
                        instant_ns = GREATEST(r.instant_ns + (SELECT advance_ns FROM batch WHERE batch.key = EXCLUDED.key),
                                              EXCLUDED.instant_ns),
                        updated_ms = EXCLUDED.updated_ms
                    RETURNING key, instant_ns
                    """, logger: logger)
                for try await (key, instant) in instants.decode((String, Int64).self) { answer.instants[key] = instant }
                let sharers = try await connection.query("""
                    WITH seen AS (
                        INSERT INTO rate_limit_demand (key, instance, seen_ms)
                        SELECT key, \(instance), \(nowMillis) FROM unnest(\(keys)::text[]) AS k(key)
                        ON CONFLICT (key, instance) DO UPDATE SET seen_ms = EXCLUDED.seen_ms
                    )
                    SELECT k.key, 1 + count(d.instance) FROM unnest(\(keys)::text[]) AS k(key)
                    LEFT JOIN rate_limit_demand d ON d.key = k.key AND d.instance <> \(instance)
                        AND d.seen_ms >= \(nowMillis - Self.nanos(settings.demandWindow) / 1_000_000)
                    GROUP BY k.key
                    """, logger: logger)
                for try await (key, count) in sharers.decode((String, Int64).self) { answer.sharers[key] = Int(count) }
                return answer
            }
        }
    }

    /// Deletes the rows of keys whose instant is `forgetAfter` past (their burst is full again, so
    /// a missing row decides the same), and the demand and heartbeats older than that.
    private static func forgetIdle(_ connection: PostgresConnection, nowNanos: Int64, exchange: Exchange, logger: Logger) async throws {
        let forgetNanos = nanos(exchange.forgetAfter)
        try await connection.query("DELETE FROM rate_limits WHERE instant_ns < \(nowNanos - forgetNanos)", logger: logger)
        let cutoffMillis = (nowNanos - forgetNanos) / 1_000_000
        try await connection.query("DELETE FROM rate_limit_demand WHERE seen_ms < \(cutoffMillis)", logger: logger)
        try await connection.query("DELETE FROM rate_limit_instances WHERE seen_ms < \(cutoffMillis)", logger: logger)
    }

    private static func nanos(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
