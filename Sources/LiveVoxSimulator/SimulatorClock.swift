import Foundation
import Synchronization

/// The simulator's wall clock, in epoch seconds; tests freeze it, set it or move it forward so
/// dialing windows, timeouts, call durations and session expiry happen when they choose.
///
/// Running (the default) it follows the system clock plus an offset; once set it stays frozen at
/// the chosen instant until it is advanced or set again.
public final class SimulatorClock: Sendable {
    private struct State {
        var frozenAt: Double?
        var offset: Double
    }

    private let state: Mutex<State>

    /// A clock that follows the system clock.
    public init() {
        state = Mutex(State(frozenAt: nil, offset: 0))
    }

    /// A clock frozen at `epochSeconds`.
    public init(frozenAt epochSeconds: Double) {
        state = Mutex(State(frozenAt: epochSeconds, offset: 0))
    }

    /// The current instant, in seconds since 1970-01-01T00:00:00Z.
    public var now: Double {
        state.withLock { $0.frozenAt ?? (Date().timeIntervalSince1970 + $0.offset) }
    }

    /// Whether the clock is frozen.
    public var isFrozen: Bool { state.withLock { $0.frozenAt != nil } }

    /// Freezes the clock at `epochSeconds`.
    public func set(epochSeconds: Double) {
        state.withLock { $0.frozenAt = epochSeconds }
    }

    /// Moves the clock forward (or back, with a negative value), frozen or running.
    public func advance(bySeconds seconds: Double) {
        state.withLock { state in
            if let frozen = state.frozenAt {
                state.frozenAt = frozen + seconds
            } else {
                state.offset += seconds
            }
        }
    }

    /// Lets a frozen clock run again from the instant it shows.
    public func resume() {
        state.withLock { state in
            guard let frozen = state.frozenAt else { return }
            state.offset = frozen - Date().timeIntervalSince1970
            state.frozenAt = nil
        }
    }
}
