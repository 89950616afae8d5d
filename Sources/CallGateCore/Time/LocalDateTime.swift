/// A wall-clock date and time with no time zone or offset, to the millisecond: what a person reads
/// off a clock, and what LiveVox sends in offset-less fields such as `timeOfFailure`.
public struct LocalDateTime: Sendable, Hashable, Comparable {
    /// The year, e.g. 2026.
    public let year: Int
    /// The month, 1-12.
    public let month: Int
    /// The day of the month, 1-31.
    public let day: Int
    /// The hour, 0-23.
    public let hour: Int
    /// The minute, 0-59.
    public let minute: Int
    /// The second, 0-59 (no leap seconds).
    public let second: Int
    /// The millisecond, 0-999.
    public let millisecond: Int

    /// A validated wall-clock time; `nil` when any field is out of its range (e.g. April 31).
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        guard (0...9999).contains(year), (1...12).contains(month),
              (1...CivilCalendar.daysInMonth(month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
              (0...999).contains(millisecond)
        else { return nil }
        self.init(unchecked: year, month, day, hour, minute, second, millisecond)
    }

    init(unchecked year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ millisecond: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// The wall-clock time that a UTC instant shows in a zone with `offsetSeconds` at that instant.
    public init(epochMillis: Int64, offsetSeconds: Int32) {
        let (seconds, millis) = CivilCalendar.floorDivide(epochMillis, 1000)
        let (days, secondOfDay) = CivilCalendar.floorDivide(seconds + Int64(offsetSeconds), 86_400)
        let date = CivilCalendar.date(days: days)
        self.init(unchecked: date.year, date.month, date.day, Int(secondOfDay / 3600),
                  Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60), Int(millis))
    }

    /// The time read as if it were UTC, in seconds since the epoch (ignoring milliseconds).
    var secondsAsIfUTC: Int64 {
        CivilCalendar.days(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Parses an ISO 8601 local date-time without an offset, e.g. LiveVox's `2014-02-06T14:44:02.2`;
    /// refuses text that carries an offset or `Z` (use `ResolvedDateTime.resolve` for those).
    public static func parse(_ text: String) throws(DateTimeError) -> LocalDateTime {
        let parsed = try ISO8601DateTimeText.parse(text)
        if parsed.offsetSeconds != nil {
            throw DateTimeError(.invalidDatetime, "\(DateTimeError.quoted(text)) carries a UTC offset; a local date-time without an offset was expected.")
        }
        return parsed.local
    }

    /// ISO 8601 with milliseconds and no offset, e.g. `2014-02-06T14:44:02.200`.
    public var iso8601: String {
        "\(TimeFormat.pad(year, 4))-\(TimeFormat.pad(month))-\(TimeFormat.pad(day))T\(TimeFormat.pad(hour)):\(TimeFormat.pad(minute)):\(TimeFormat.pad(second)).\(TimeFormat.pad(millisecond, 3))"
    }

    /// The shortest readable form for sentences: seconds and milliseconds only when not zero,
    /// e.g. `2026-03-08T02:30`.
    public var shortDescription: String {
        var text = "\(TimeFormat.pad(year, 4))-\(TimeFormat.pad(month))-\(TimeFormat.pad(day))T\(clockDescription)"
        if millisecond != 0 { text += ".\(TimeFormat.pad(millisecond, 3))" }
        return text
    }

    /// `HH:MM`, or `HH:MM:SS` when the seconds are not zero.
    var clockDescription: String {
        second == 0 ? "\(TimeFormat.pad(hour)):\(TimeFormat.pad(minute))" : "\(TimeFormat.pad(hour)):\(TimeFormat.pad(minute)):\(TimeFormat.pad(second))"
    }

    /// Earlier wall-clock times sort first.
    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.secondsAsIfUTC, lhs.millisecond) < (rhs.secondsAsIfUTC, rhs.millisecond)
    }
}

/// An instant as the wall-clock time and UTC offset of one zone.
public struct ZonedDateTime: Sendable, Hashable {
    /// The wall-clock time in the zone.
    public let local: LocalDateTime
    /// The zone's UTC offset at that instant, in seconds (east of UTC positive).
    public let utcOffsetSeconds: Int32

    /// The instant, in milliseconds since 1970-01-01T00:00:00Z.
    public var epochMillis: Int64 {
        (local.secondsAsIfUTC - Int64(utcOffsetSeconds)) * 1000 + Int64(local.millisecond)
    }

    /// ISO 8601 / RFC 3339 with milliseconds and the offset, e.g. `2026-03-08T03:30:00.000-04:00`.
    public var iso8601: String { local.iso8601 + TimeFormat.offset(utcOffsetSeconds) }
}

/// Number formatting shared by the time types.
enum TimeFormat {
    /// A zero-padded decimal, e.g. `TimeFormat.pad(7) == "07"`.
    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `+HH:MM` / `-HH:MM` for an offset in seconds (seconds, which only pre-1972 LMT-style offsets have,
    /// are appended as `:SS`).
    static func offset(_ seconds: Int32) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = Int(seconds.magnitude)
        var text = "\(sign)\(TimeFormat.pad(magnitude / 3600)):\(TimeFormat.pad(magnitude % 3600 / 60))"
        if magnitude % 60 != 0 { text += ":\(TimeFormat.pad(magnitude % 60))" }
        return text
    }
}
