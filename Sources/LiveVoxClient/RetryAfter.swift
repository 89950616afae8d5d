import CallGateCore
/// The `Retry-After` header (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
public enum RetryAfter {
    /// The wait the header asks for, measured from `nowSecondsSince1970` when it is a date; a date in
    /// the past means no wait. `nil` when the value is neither form.
    public static func parse(_ value: String, nowSecondsSince1970: Double) -> Duration? {
        let text = value.trimmingSpaces
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Absurd values saturate rather than fail: the caller compares against its deadline anyway.
            guard let seconds = Int64(text) else { return .seconds(Int64.max / 1_000_000_000) }
            return .seconds(seconds)
        }
        guard let date = HTTPDate.secondsSince1970(text) else { return nil }
        let wait = Double(date) - nowSecondsSince1970
        return wait > 0 ? .milliseconds(Int64((wait * 1000).rounded(.up))) : .zero
    }
}

/// A parser of the three HTTP-date forms RFC 9110 §5.6.7 obliges a recipient to accept:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970-01-01T00:00:00Z, or `nil` when `text` is not an HTTP-date.
    static func secondsSince1970(_ text: String) -> Int64? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map { $0.lowercased() }
        let day: Int?, month: Int?, year: Int?, time: Substring
        switch tokens.count {
        case 6 where tokens[5] == "gmt":
            // IMF-fixdate or RFC 850: weekday, day, month, year, time, GMT.
            day = Int(tokens[1])
            month = months.firstIndex(of: tokens[2]).map { $0 + 1 }
            year = Int(tokens[3]).map { tokens[3].count == 2 ? twoDigitYear($0) : $0 }
            time = Substring(tokens[4])
        case 5:
            // asctime: weekday, month, day, time, year.
            month = months.firstIndex(of: tokens[1]).map { $0 + 1 }
            day = Int(tokens[2])
            time = Substring(tokens[3])
            year = tokens[4].count == 4 ? Int(tokens[4]) : nil
        default:
            return nil
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let day, let month, let year, clock.count == 3,
              let hour = clock[0], let minute = clock[1], let second = clock[2],
              (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        return CivilCalendar.days(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// RFC 9110: a two-digit year more than 50 years in the future means the past century. Without a
    /// clock here, 70-99 read as 19xx and 00-69 as 20xx, as most HTTP stacks do.
    private static func twoDigitYear(_ yy: Int) -> Int { yy >= 70 ? 1900 + yy : 2000 + yy }
}

extension String {
    /// The string without leading and trailing spaces and tabs (header whitespace).
    var trimmingSpaces: String {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        return String(self[first...last])
    }
}
