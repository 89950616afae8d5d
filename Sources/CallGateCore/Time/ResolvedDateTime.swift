/// A date-time as a caller sends it: a JSON number of epoch milliseconds, or text.
public enum DateTimeInput: Sendable, Hashable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    case epochMillis(Int64)
    /// Epoch milliseconds in a string (`"1549398063000"`), ISO 8601 with `Z` or an offset, or a local
    /// ISO 8601 date-time to be placed by the time zone.
    case text(String)
}

/// An instant from 1970 through 2100, resolved from a date-time input and an optional time zone.
///
/// Rules: epoch milliseconds and ISO 8601 text with `Z` or an offset are absolute; a time zone given
/// with them only supplies the LiveVox code. A local date-time needs the time zone: a time that the
/// zone's clocks skip is refused (`nonexistent_local_time`), one that occurs twice is the earlier
/// instant with the warning `ambiguous_local_time`.
public struct ResolvedDateTime: Sendable, Hashable {
    /// The instant, in milliseconds since 1970-01-01T00:00:00Z.
    public let epochMillis: Int64
    /// The resolved time zone, when one was given.
    public let timeZone: ResolvedTimeZone?
    /// Every warning, the time zone's included.
    public let warnings: [TimeWarning]

    /// The first instant accepted: 1970-01-01T00:00:00Z.
    public static let earliestEpochMillis: Int64 = 0
    /// The last instant accepted: 2100-12-31T23:59:59.999Z.
    public static let latestEpochMillis: Int64 = 4_133_980_799_999

    /// The instant in UTC, e.g. `2026-03-08T07:30:00.000Z`.
    public var utcISO8601: String {
        LocalDateTime(epochMillis: epochMillis, offsetSeconds: 0).iso8601 + "Z"
    }

    /// The instant with the offset of the resolved time zone, e.g. `2026-03-08T03:30:00.000-04:00`;
    /// `nil` without a time zone.
    public var localISO8601: String? {
        timeZone.map { $0.zone.iso8601(atEpochMillis: epochMillis) }
    }

    /// Resolves a date-time and an optional time zone name (see the type's documentation).
    public static func resolve(_ at: DateTimeInput, timeZone: String?) throws(DateTimeError) -> ResolvedDateTime {
        switch at {
        case .epochMillis(let millis):
            return try absolute(checkedEpochMillis(millis, String(millis)), timeZone: timeZone)
        case .text(let raw):
            let text = TimeFormat.trimmed(raw)
            if text.isEmpty {
                throw DateTimeError(.empty, "The date-time is empty; use epoch milliseconds or ISO 8601 such as 2026-03-08T09:30:00-05:00.")
            }
            if let millis = try epochMillis(numeric: text) {
                return try absolute(millis, timeZone: timeZone)
            }
            let parsed = try ISO8601DateTimeText.parse(text)
            if let offset = parsed.offsetSeconds {
                let millis = ZonedDateTime(local: parsed.local, utcOffsetSeconds: offset).epochMillis
                return try absolute(checkedEpochMillis(millis, text), timeZone: timeZone)
            }
            guard let timeZone else {
                throw DateTimeError(.missingTimezone, "\(DateTimeError.quoted(text)) has no UTC offset and no time zone was given; add a time zone or an offset such as -05:00.")
            }
            return try local(parsed.local, text: text, timeZone: timeZone)
        }
    }

    private static func absolute(_ millis: Int64, timeZone: String?) throws(DateTimeError) -> ResolvedDateTime {
        let zone = try timeZone.map { (name) throws(DateTimeError) in try resolveZone(name) }
        return ResolvedDateTime(epochMillis: millis, timeZone: zone, warnings: zone?.warnings ?? [])
    }

    private static func local(_ local: LocalDateTime, text: String, timeZone: String) throws(DateTimeError) -> ResolvedDateTime {
        let resolved = try resolveZone(timeZone)
        let zone = resolved.zone
        switch zone.instants(of: local) {
        case .unique(let zoned):
            return ResolvedDateTime(epochMillis: try checkedEpochMillis(zoned.epochMillis, text), timeZone: resolved, warnings: resolved.warnings)
        case .repeated(let earlier, _, let transition):
            let warning = TimeWarning(.ambiguousLocalTime, "\(local.shortDescription) occurs twice in \(zone.identifier): clocks fall back \(transition.clockChange); the earlier one, \(earlier.iso8601), was used.")
            return ResolvedDateTime(epochMillis: try checkedEpochMillis(earlier.epochMillis, text), timeZone: resolved, warnings: resolved.warnings + [warning])
        case .skipped(let transition):
            throw DateTimeError(.nonexistentLocalTime, "\(local.shortDescription) does not exist in \(zone.identifier): clocks jump \(transition.clockChange).")
        }
    }

    private static func resolveZone(_ name: String) throws(DateTimeError) -> ResolvedTimeZone {
        do {
            return try ResolvedTimeZone.resolve(name)
        } catch {
            throw DateTimeError(error)
        }
    }

    /// Epoch milliseconds from a string of digits (optionally signed); `nil` when the text is not numeric.
    private static func epochMillis(numeric text: String) throws(DateTimeError) -> Int64? {
        let digits = text.utf8.first == UInt8(ascii: "-") || text.utf8.first == UInt8(ascii: "+") ? text.utf8.dropFirst() : text.utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        guard let millis = Int64(text.utf8.first == UInt8(ascii: "+") ? String(text.dropFirst()) : text) else {
            throw outOfRange(text)
        }
        return try checkedEpochMillis(millis, text)
    }

    private static func checkedEpochMillis(_ millis: Int64, _ text: String) throws(DateTimeError) -> Int64 {
        guard (earliestEpochMillis...latestEpochMillis).contains(millis) else { throw outOfRange(text) }
        return millis
    }

    private static func outOfRange(_ text: String) -> DateTimeError {
        DateTimeError(.outOfRange, "\(DateTimeError.quoted(text)) is outside the supported range, 1970-01-01T00:00:00Z to 2100-12-31T23:59:59.999Z.")
    }
}
