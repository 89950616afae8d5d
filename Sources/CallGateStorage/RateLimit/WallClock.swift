#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The wall clock, the one clock every instance of a fleet shares (kept together by NTP): the
/// rate limits' instants are on it, so that a limit shared through a store means the same moment
/// on every instance.
public enum WallClock {
    /// Nanoseconds since the Unix epoch.
    public static func nowNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}
