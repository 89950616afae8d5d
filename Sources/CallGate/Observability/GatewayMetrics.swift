import CallGateStorage
import CoreMetrics
import Synchronization

/// The gateway's metrics, through swift-metrics (the service backs them with swift-prometheus and
/// serves them at `GET /metrics`):
///
/// | metric | type | labels |
/// |---|---|---|
/// | `callgate_requests_total` | counter | `operation`, `status` |
/// | `callgate_request_duration_seconds` | histogram | `operation` |
/// | `callgate_upstream_attempts_total` | counter | `operation` |
/// | `callgate_upstream_failures_total` | counter | `code` (the problem code: `upstream_timeout`, ...) |
/// | `callgate_upstream_breaker_open` | gauge | (1 while the circuit breaker is open) |
/// | `callgate_upstream_in_flight` | gauge | (calls to LiveVox running) |
/// | `callgate_upstream_waiting` | gauge | (calls waiting for a connection to LiveVox) |
/// | `callgate_audit_queue_depth` | gauge | (records waiting for the next commit) |
/// | `callgate_audit_commit_duration_seconds` | histogram | (from hand-over to commit) |
/// | `callgate_audit_failures_total` | counter | (records that could not be committed) |
/// | `callgate_audit_commits_total` | counter | (group commits, each one transaction) |
/// | `callgate_audit_records_committed_total` | counter | (records those commits carried) |
/// | `callgate_audit_writer_busy_seconds_total` | counter | (time the writer spent committing) |
/// | `callgate_auth_failures_throttled_total` | counter | (refusals answered 429 `too_many_failed_authentications`) |
/// | `callgate_audit_incomplete_requests` | gauge | (intents without an outcome found at start in the last day, at most 1000) |
/// | `callgate_reload_failures_total` | counter | `file` (`keys`, `webhook_sources`, `tls`: a changed file refused, the old one kept) |
/// | `callgate_calling_window_refusals_total` | counter | `rule` (a launch or callback refused: once per rule that refused some call of it, `location_unknown` for a party that cannot be placed) |
/// | `callgate_rate_limit_sync_failures_total` | counter | (exchanges of the shared rate limits with PostgreSQL that failed; each instance decided alone meanwhile) |
///
/// The last three are the audit writer's own totals, brought up to date at each scrape: their rates'
/// ratio is the records per commit, and the busy time's rate how much of its one thread the store
/// uses (near 1, records queue up and the audit is what limits the gateway).
///
/// Handles are made once per label set and kept, so recording a request takes no registry lookup.
public final class GatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    private let requests = Mutex<[RequestKey: Counter]>([:])
    private let durations = Mutex<[String: Timer]>([:])
    private let attempts = Mutex<[String: Counter]>([:])
    private let failures = Mutex<[String: Counter]>([:])
    private let reloadFailures = Mutex<[String: Counter]>([:])
    private let callingWindowRefusals = Mutex<[String: Counter]>([:])
    private let breakerOpen: Gauge
    private let upstreamInFlight: Gauge
    private let upstreamWaiting: Gauge
    private let auditQueueDepth: Gauge
    private let auditCommit: Timer
    private let auditFailures: Counter
    private let auditCommits: Counter
    private let auditRecords: Counter
    private let auditBusy: FloatingPointCounter
    private let authThrottled: Counter
    private let rateLimitSyncFailures: Counter
    private let auditIncomplete: Gauge
    /// The writer's totals already added to the three counters above.
    private let auditExported = Mutex(AuditWriterTotals())

    private struct RequestKey: Hashable {
        let operation: String
        let status: Int
    }

    /// The histogram buckets for durations, in seconds from 250 µs to 10 s. A request answered from
    /// LiveVox's queue statistics takes well under a millisecond, as does an audit commit: the
    /// Prometheus client's default buckets, which start at 5 ms, put every one of them in the first.
    public static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Creates the metrics on `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        breakerOpen = Gauge(label: "callgate_upstream_breaker_open", factory: factory)
        upstreamInFlight = Gauge(label: "callgate_upstream_in_flight", factory: factory)
        upstreamWaiting = Gauge(label: "callgate_upstream_waiting", factory: factory)
        auditQueueDepth = Gauge(label: "callgate_audit_queue_depth", factory: factory)
        auditCommit = Timer(label: "callgate_audit_commit_duration_seconds", factory: factory)
        auditFailures = Counter(label: "callgate_audit_failures_total", factory: factory)
        auditCommits = Counter(label: "callgate_audit_commits_total", factory: factory)
        auditRecords = Counter(label: "callgate_audit_records_committed_total", factory: factory)
        auditBusy = FloatingPointCounter(label: "callgate_audit_writer_busy_seconds_total", factory: factory)
        authThrottled = Counter(label: "callgate_auth_failures_throttled_total", factory: factory)
        rateLimitSyncFailures = Counter(label: "callgate_rate_limit_sync_failures_total", factory: factory)
        auditIncomplete = Gauge(label: "callgate_audit_incomplete_requests", factory: factory)
    }

    /// Counts one answered request (audited or not) and its upstream work.
    func record(operation: String, status: Int, duration: Duration, upstreamAttempts: Int, problem: String?) {
        let key = RequestKey(operation: operation, status: status)
        let counter = requests.withLock { table in
            if let counter = table[key] { return counter }
            let counter = Counter(label: "callgate_requests_total",
                                  dimensions: [("operation", operation), ("status", String(status))], factory: factory)
            table[key] = counter
            return counter
        }
        counter.increment()
        handle(durations, operation) {
            Timer(label: "callgate_request_duration_seconds", dimensions: [("operation", $0)], factory: factory)
        }.record(duration: duration)
        if upstreamAttempts > 0 {
            handle(attempts, operation) {
                Counter(label: "callgate_upstream_attempts_total", dimensions: [("operation", $0)], factory: factory)
            }.increment(by: upstreamAttempts)
        }
        if let problem, problem.hasPrefix("upstream_") {
            handle(failures, problem) {
                Counter(label: "callgate_upstream_failures_total", dimensions: [("code", $0)], factory: factory)
            }.increment()
        }
    }

    /// Records one audit commit as the request saw it.
    func recordAuditCommit(_ duration: Duration, committed: Bool) {
        auditCommit.record(duration: duration)
        if !committed { auditFailures.increment() }
    }

    /// Sets how many incomplete requests (intents without an outcome) the start found.
    func recordIncompleteRequests(_ count: Int) {
        auditIncomplete.record(count)
    }

    /// Counts one reload of `file` (a ``FileReloader`` source's name) that failed, leaving the old content in force.
    func recordReloadFailure(file: String) {
        handle(reloadFailures, file) { Counter(label: "callgate_reload_failures_total", dimensions: [("file", $0)], factory: factory) }
            .increment()
    }

    /// Counts one request refused for its calling window, once under each rule that refused a call
    /// of it. The labels are the rules file's ids, so their number is bounded by the file.
    func recordCallingWindowRefusal(rules: [String]) {
        for rule in rules {
            handle(callingWindowRefusals, rule) {
                Counter(label: "callgate_calling_window_refusals_total", dimensions: [("rule", $0)], factory: factory)
            }.increment()
        }
    }

    /// Counts one failed authentication answered 429 by the throttle.
    func recordAuthFailureThrottled() {
        authThrottled.increment()
    }

    /// Counts one exchange of the shared rate limits that failed.
    func recordRateLimitSyncFailure() {
        rateLimitSyncFailures.increment()
    }

    /// Sets the gauges read at scrape time, and brings the audit writer's counters up to its totals
    /// (they stay at zero without an audit trail).
    public func updateGauges(breakerOpen isOpen: Bool, upstreamLoad: (inFlight: Int, waiting: Int), auditWriter: AuditWriter?) {
        breakerOpen.record(isOpen ? 1 : 0)
        upstreamInFlight.record(upstreamLoad.inFlight)
        upstreamWaiting.record(upstreamLoad.waiting)
        auditQueueDepth.record(auditWriter?.queueDepth ?? 0)
        guard let auditWriter else { return }
        // Under the lock, so that two scrapes at once add each part of the totals once.
        auditExported.withLock { exported in
            let totals = AuditWriterTotals(auditWriter)
            auditCommits.increment(by: totals.commits - exported.commits)
            auditRecords.increment(by: totals.records - exported.records)
            auditBusy.increment(by: (totals.busy - exported.busy) / .seconds(1))
            exported = totals
        }
    }

    private func handle<Metric>(_ table: borrowing Mutex<[String: Metric]>, _ label: String, make: (String) -> Metric) -> Metric {
        table.withLock { table in
            if let metric = table[label] { return metric }
            let metric = make(label)
            table[label] = metric
            return metric
        }
    }
}

/// The audit writer's running totals: commits, the records they carried, the time spent in them.
private struct AuditWriterTotals {
    var commits = 0
    var records = 0
    var busy = Duration.zero

    init() {}

    init(_ writer: AuditWriter) {
        commits = writer.commits
        records = writer.recordsWritten
        busy = writer.commitTime
    }
}
