/// The one parser for ISO 8601 / RFC 3339 date-time text, with or without an offset:
/// `YYYY-MM-DD` + `T`, `t` or a space + `HH:MM[:SS[.fraction]]` + optionally `Z`, `z`, `±HH:MM`,
/// `±HHMM` or `±HH`. Fractions (`.` or `,`, any number of digits) are truncated to milliseconds.
struct ISO8601DateTimeText {
    /// The wall-clock part.
    let local: LocalDateTime
    /// The offset in seconds when the text has one (`Z` is 0); `nil` for a local date-time.
    let offsetSeconds: Int32?

    static func parse(_ text: String) throws(DateTimeError) -> ISO8601DateTimeText {
        var scanner = Scanner(Array(text.utf8))
        let notDateTime = DateTimeError(.invalidDatetime, "\(DateTimeError.quoted(text)) is not a date-time; use epoch milliseconds or ISO 8601 such as 2026-03-08T09:30:00-05:00 or, with a time zone, 2026-03-08T09:30:00.")
        func invalid(_ reason: String) -> DateTimeError {
            DateTimeError(.invalidDatetime, "\(DateTimeError.quoted(text)) is not a valid date-time: \(reason).")
        }
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
              let day = scanner.digits(2)
        else { throw notDateTime }
        if scanner.atEnd { throw invalid("the time of day is missing") }
        guard scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.digits(2), scanner.skip(":"), let minute = scanner.digits(2)
        else { throw notDateTime }
        var second = 0
        var millisecond = 0
        if scanner.skip(":") {
            guard let value = scanner.digits(2) else { throw notDateTime }
            second = value
            if scanner.skip(".") || scanner.skip(",") {
                guard let fraction = scanner.fractionMilliseconds() else { throw notDateTime }
                millisecond = fraction
            }
        }
        var offset: Int32?
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let hours = scanner.digits(2) else { throw notDateTime }
            var minutes = 0
            if !scanner.atEnd {
                _ = scanner.skip(":")
                guard let value = scanner.digits(2) else { throw notDateTime }
                minutes = value
            }
            if hours > 23 { throw invalid("offset hour \(hours) does not exist") }
            if minutes > 59 { throw invalid("offset minute \(minutes) does not exist") }
            offset = Int32(sign * (hours * 3600 + minutes * 60))
        }
        guard scanner.atEnd else { throw notDateTime }

        if !(1...12).contains(month) { throw invalid("month \(month) does not exist") }
        if !(1...CivilCalendar.daysInMonth(month, year: year)).contains(day) {
            throw invalid("day \(day) does not exist in \(CivilCalendar.monthName(month)) \(year)")
        }
        if hour > 23 { throw invalid("hour \(hour) does not exist (use 00:00 of the next day)") }
        if minute > 59 { throw invalid("minute \(minute) does not exist") }
        if second > 59 { throw invalid("second \(second) does not exist (leap seconds are not supported)") }
        return ISO8601DateTimeText(
            local: LocalDateTime(unchecked: year, month, day, hour, minute, second, millisecond),
            offsetSeconds: offset
        )
    }

    /// A cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
            position += 1
            return true
        }

        /// Exactly `count` decimal digits as a number.
        mutating func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<position + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += count
            return value
        }

        /// One or more digits after a decimal sign, truncated to milliseconds.
        mutating func fractionMilliseconds() -> Int? {
            var value = 0
            var count = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                if count < 3 { value = value * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                count += 1
                position += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { value *= 10 }
            return value
        }

        /// `+1` or `-1` for a `+` or `-` (or the Unicode minus sign U+2212), consumed.
        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            let minus: [UInt8] = [0xE2, 0x88, 0x92]
            if position + 3 <= bytes.count, Array(bytes[position..<position + 3]) == minus {
                position += 3
                return -1
            }
            return nil
        }
    }
}
