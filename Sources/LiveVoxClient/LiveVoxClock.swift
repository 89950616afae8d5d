import Foundation

/// The time source of `LiveVoxClient`: a monotonic clock for deadlines, backoff and the breaker, the
/// wall clock for `Retry-After` dates, and sleeping. Tests inject one they drive.
public protocol LiveVoxClock: Sendable {
    /// The monotonic now.
    var now: ContinuousClock.Instant { get }
    /// The wall-clock now, in seconds since 1970 UTC.
    var secondsSince1970: Double { get }
    /// Suspends for `duration`; throws when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The machine's clocks.
public struct SystemLiveVoxClock: LiveVoxClock {
    /// Creates the clock.
    public init() {}
    /// `ContinuousClock.now`.
    public var now: ContinuousClock.Instant { ContinuousClock.now }
    /// The system's wall clock.
    public var secondsSince1970: Double { Date().timeIntervalSince1970 }
    /// `Task.sleep(for:)` on the continuous clock.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration, clock: .continuous)
    }
}
