#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A chain head the audit witness saw: the last record committed, and when it saw it.
///
/// The witness signs these with a key of its own and keeps them outside the database, so that
/// records deleted from the end of the trail, which leave a valid chain behind, still show: the
/// trail must reach every head the witness saw, with the same hash.
public struct WitnessHead: Sendable, Hashable {
    /// The sequence of the last record committed.
    public var sequence: Int64
    /// That record's chain hash.
    public var hash: String
    /// When the witness saw it, in milliseconds since the Unix epoch.
    public var timeMillis: Int64

    /// Creates a head.
    public init(sequence: Int64, hash: String, timeMillis: Int64) {
        self.sequence = sequence
        self.hash = hash
        self.timeMillis = timeMillis
    }

    /// What the signature covers: the UTF-8 of "callgate audit witness v1|" + sequence + "|" +
    /// hash + "|" + time in milliseconds, numbers in decimal.
    public var signedMessage: [UInt8] {
        Array("callgate audit witness v1|\(sequence)|\(hash)|\(timeMillis)".utf8)
    }

    /// The time, to the second, in UTC: `2026-12-07T20:01:02Z`.
    public var utcTime: String {
        var seconds = time_t(timeMillis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

