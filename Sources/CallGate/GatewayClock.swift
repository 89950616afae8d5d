import Foundation
import Synchronization

/// What "now" is for the gateway: callback times, rate limits, calling windows, the outbox and
/// the witness all read it here. Production reads the wall clock; tests set the instant, so that a
/// test of the calling windows does not depend on the hour it runs at.
public struct GatewayClock: Sendable {
    /// The instant, in milliseconds since the epoch.
    public let nowMillis: @Sendable () -> Int64

    /// A clock reading `nowMillis`.
    public init(nowMillis: @escaping @Sendable () -> Int64) {
        self.nowMillis = nowMillis
    }

    /// The wall clock.
    public static let system = GatewayClock { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A clock stopped at one instant.
    public static func fixed(_ millis: Int64) -> GatewayClock {
        GatewayClock { millis }
    }

    /// A clock a test moves by hand (a deferral's due time, a window opening).
    public final class Manual: Sendable {
        private let instant: Mutex<Int64>

        /// Starts at `millis`.
        public init(_ millis: Int64) { instant = Mutex(millis) }

        /// The clock the gateway reads.
        public var clock: GatewayClock { GatewayClock { [self] in instant.withLock { $0 } } }

        /// Sets the instant.
        public func set(_ millis: Int64) { instant.withLock { $0 = millis } }

        /// Moves the instant forward.
        public func advance(byMillis millis: Int64) { instant.withLock { $0 += millis } }
    }
}
