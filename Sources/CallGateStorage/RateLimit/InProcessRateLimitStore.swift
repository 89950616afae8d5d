import Synchronization

/// The rate-limit instants of one process, in memory under one lock: the store of a single
/// gateway instance.
public final class InProcessRateLimitStore: RateLimitStore {
    /// Past this many keys, those whose instant is already past (a full burst again) are forgotten.
    public static let forgetAbove = 10_000
    private let instants = Mutex<[String: Int64]>([:])

    /// A store with no history.
    public init() {}

    public func admit(_ key: String, intervalNanos: Int64, windowNanos: Int64, nowNanos: Int64) -> RateLimitAdmission {
        instants.withLock { instants in
            let start = max(instants[key] ?? nowNanos, nowNanos)
            let next = start + intervalNanos
            guard next - nowNanos <= windowNanos else {
                return RateLimitAdmission(isAdmitted: false, startNanos: start)
            }
            if instants.count > Self.forgetAbove {
                instants = instants.filter { $0.value > nowNanos }
            }
            instants[key] = next
            return RateLimitAdmission(isAdmitted: true, startNanos: start)
        }
    }
}
