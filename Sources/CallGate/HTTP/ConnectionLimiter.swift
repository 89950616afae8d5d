import CoreMetrics
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cap on open HTTP connections, checked once per accepted connection (never per request): past
/// it a new connection is closed at once and counted, as Envoy's overload manager does, so that a
/// flood of connections cannot take the file descriptors the store, curl and the log need.
///
/// Metrics: `callgate_http_connections_rejected_total` (counter) and `callgate_http_connections_open`
/// (gauge, brought up to date at each scrape).
final class ConnectionLimiter: Sendable {
    /// The most connections open at once.
    let maxConnections: Int
    private let open = Atomic<Int>(0)
    private let rejected: Counter
    private let openGauge: Gauge

    /// File descriptors kept for everything but the connections: the store, curl, the log.
    static let reservedFileDescriptors = 64

    /// A cap of `maxConnections`, counted on `factory`'s metrics.
    init(maxConnections: Int, factory: any MetricsFactory) {
        self.maxConnections = maxConnections
        rejected = Counter(label: "callgate_http_connections_rejected_total", factory: factory)
        openGauge = Gauge(label: "callgate_http_connections_open", factory: factory)
    }

    /// Counts `channel` open until it closes and returns true; past the cap, counts it rejected and
    /// returns false (the caller closes it).
    func admit(_ channel: any Channel) -> Bool {
        guard open.wrappingAdd(1, ordering: .relaxed).newValue <= maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            rejected.increment()
            return false
        }
        channel.closeFuture.whenComplete { _ in self.open.wrappingSubtract(1, ordering: .relaxed) }
        return true
    }

    /// Brings the gauge of open connections up to date.
    func updateGauge() {
        openGauge.record(open.load(ordering: .relaxed))
    }

    /// Raises the process's soft limit on open files to its hard limit, and returns `requested`
    /// capped below it by ``reservedFileDescriptors`` (logged when it caps).
    static func cap(_ requested: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(fileLimitResource, &limit) == 0 else { return requested }
        // An unlimited hard limit still stops at the kernel's nr_open; 2^20 is its default.
        let hard = min(limit.rlim_max, rlim_t(1 << 20))
        if limit.rlim_cur < hard {
            var raised = limit
            raised.rlim_cur = hard
            if setrlimit(fileLimitResource, &raised) == 0 { limit = raised }
        }
        let available = max(Int(limit.rlim_cur) - reservedFileDescriptors, 1)
        guard requested > available else { return requested }
        logger.warning("--http-max-connections is above what the process's open-file limit allows; capped",
                       metadata: ["http.max_connections": "\(requested)", "http.max_connections_capped": "\(available)",
                                  "process.open_file_limit": "\(limit.rlim_cur)"])
        return available
    }

    #if canImport(Glibc)
    private static let fileLimitResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let fileLimitResource = RLIMIT_NOFILE
    #endif
}
