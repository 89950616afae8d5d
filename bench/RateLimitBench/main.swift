// RateLimitBench: how closely instances sharing one PostgreSQL database hold one rate limit, for
// several exchange periods.
//
// Usage: RateLimitBench --store postgres://... [--instances N] [--seconds S] [--rate R] [--burst B] [--periods 20,50,100,200] [--unshared yes]
//
// For each period, N stores (each with a pool of its own, as N processes) on the database each
// get one client asking for one key every millisecond for S seconds, deciding on the wall clock as
// the gateway does; then one store alone is busy for S seconds while the others stay up. Prints a
// Markdown table: what was admitted, what the limit admits over the measured interval (from the
// first admitted request to the last: rate × interval + burst), and the error. Each period uses a
// key of its own; the database keeps its rows.
import CallGateStorage
import PostgresStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var address: PostgresAddress?
    var instances = 3
    var seconds = 4
    var rate = 50.0
    var burst = 10
    var periods: [Int] = [20, 50, 100, 200]
    /// Also runs each period with every instance taking the whole headroom (no shares): the design
    /// without `rate_limit_demand`, for comparison.
    var unshared = false

    init(_ arguments: [String]) {
        var remaining = arguments.dropFirst()
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { Self.usage("\(flag) needs a value") }
            switch flag {
            case "--store":
                guard case .postgres(let parsed)? = try? AuditStoreURL.parse(value) else { Self.usage("--store takes a postgres:// URL") }
                address = parsed
            case "--instances": instances = Self.positive(value, flag)
            case "--seconds": seconds = Self.positive(value, flag)
            case "--rate": rate = Double(Self.positive(value, flag))
            case "--burst": burst = Self.positive(value, flag)
            case "--periods": periods = value.split(separator: ",").map { Self.positive(String($0), flag) }
            case "--unshared": unshared = value == "yes"
            default: Self.usage("unknown option \(flag)")
            }
        }
        if address == nil { Self.usage("--store is required") }
    }

    static func positive(_ value: String, _ flag: String) -> Int {
        guard let number = Int(value), number > 0 else { usage("\(flag) takes positive integers") }
        return number
    }

    static func usage(_ problem: String) -> Never {
        print("RateLimitBench: \(problem)\nusage: RateLimitBench --store postgres://... [--instances N] [--seconds S] [--rate R] [--burst B] [--periods 20,50,100,200] [--unshared yes]")
        exit(2)
    }
}

/// What one run admitted, against what the limit admits over its measured interval.
struct Run {
    var admitted: Int
    var expected: Double
    var error: Double { expected > 0 ? (Double(admitted) - expected) / expected * 100 : 0 }
}

/// One client per store asks for `key` every millisecond for `seconds`; returns what was admitted
/// against what the limit admits over the measured interval.
func hammer(_ stores: [any RateLimitStore], key: String, seconds: Int, interval: Int64, burst: Int) async -> Run {
    final class Instants: Sendable {
        let admitted = Mutex<[Int64]>([])
    }
    let instants = Instants()
    let end = ContinuousClock.now + .seconds(seconds)
    await withTaskGroup(of: Void.self) { group in
        for store in stores {
            group.addTask {
                while ContinuousClock.now < end {
                    let now = WallClock.nowNanos()
                    if store.admit(key, intervalNanos: interval, windowNanos: interval * Int64(burst), nowNanos: now).isAdmitted {
                        instants.admitted.withLock { $0.append(now) }
                    }
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
        }
    }
    return instants.admitted.withLock { instants in
        guard let first = instants.min(), let last = instants.max() else { return Run(admitted: 0, expected: 0) }
        return Run(admitted: instants.count, expected: Double(last - first) / Double(interval) + Double(burst))
    }
}

/// `value` with one decimal.
func tenths(_ value: Double) -> String {
    String((value * 10).rounded() / 10)
}

let options = Options(CommandLine.arguments)
let interval = Int64((1e9 / options.rate).rounded(.up))
print("| period | instances busy | admitted | rate × interval + burst | error |")
print("|---|---|---|---|---|")
for (period, shared) in options.periods.flatMap({ period in options.unshared ? [(period, true), (period, false)] : [(period, true)] }) {
    var stores: [PostgresAuditStore] = []
    for _ in 0..<options.instances {
        var configuration = PostgresAuditStore.Configuration()
        // Unshared: no other instance's demand or heartbeat is ever recent enough to count.
        configuration.rateLimitExchange = shared
            ? PostgresRateLimitStore.Exchange(period: .milliseconds(period))
            : PostgresRateLimitStore.Exchange(period: .milliseconds(period), demandWindow: .zero, liveWindow: .zero)
        let store = try await PostgresAuditStore.open(options.address!, keys: AuditKeys(secret: Array(repeating: 7, count: 32)),
                                                      configuration: configuration)
        stores.append(store)
    }
    for _ in 0..<2 { for store in stores { await store.rateLimits.exchangeOnce() } }
    let key = "bench:\(period):\(WallClock.nowNanos())"
    for busy in [options.instances, 1] {
        let run = await hammer(Array(stores.prefix(busy)).map(\.rateLimits), key: key, seconds: options.seconds, interval: interval, burst: options.burst)
        print("| \(period) ms\(shared ? "" : ", unshared") | \(busy) of \(options.instances) | \(run.admitted) | \(tenths(run.expected)) | \(run.error >= 0 ? "+" : "")\(tenths(run.error)) % |")
        // The burst refills and the busy instances' demand ages out before the next run.
        try await Task.sleep(for: .seconds(1))
    }
    for store in stores { await store.close() }
}
