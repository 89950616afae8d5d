/// A named list of holidays, computed for any year: fixed dates with their observance shifts,
/// nth-weekday rules, days counted from Easter, and single dated extras.
public struct HolidayCalendar: Sendable, Hashable {
    /// The name rules refer to, e.g. `US-RI`.
    public let name: String
    /// Calendars whose days are also this calendar's (e.g. the federal holidays).
    public let includes: [String]
    /// The calendar's own days.
    public let days: [Holiday]
    /// How sure the data is of the list.
    public let confidence: RuleConfidence
    /// Where the list comes from.
    public let source: String
    /// The line of the rules file that starts the calendar, for messages.
    public let line: Int?

    /// Creates a calendar.
    public init(name: String, includes: [String] = [], days: [Holiday], confidence: RuleConfidence, source: String, line: Int? = nil) {
        self.name = name
        self.includes = includes
        self.days = days
        self.confidence = confidence
        self.source = source
        self.line = line
    }
}

/// One holiday of a calendar.
public struct Holiday: Sendable, Hashable {
    /// How the date is found each year.
    public enum Rule: Sendable, Hashable {
        /// The same month and day every year.
        case fixed(month: Int, day: Int)
        /// The nth (1-5) given weekday of a month, or the last one (`nth == -1`).
        case nthWeekday(month: Int, weekday: Weekday, nth: Int)
        /// Days after (positive) or before (negative) Western Easter Sunday.
        case easter(offsetDays: Int)
        /// One date only.
        case date(CivilDate)
    }

    /// When a holiday that falls on a weekend is also kept on a weekday (the actual day stays a
    /// holiday too: calls are excluded on both).
    public enum Observance: String, Sendable, Hashable, CaseIterable {
        /// No other day.
        case none
        /// Saturday to the Friday before, Sunday to the Monday after (5 U.S.C. 6103).
        case federal
        /// Sunday to the Monday after.
        case sundayToMonday = "sunday-to-monday"
        /// Saturday and Sunday to the Monday after.
        case weekendToMonday = "weekend-to-monday"
    }

    /// Which years the holiday occurs in.
    public enum Years: String, Sendable, Hashable, CaseIterable {
        /// Every year.
        case all
        /// Even years (e.g. an election day of state officers).
        case even
        /// Odd years.
        case odd
    }

    /// The name, for people.
    public let name: String
    /// How the date is found.
    public let rule: Rule
    /// Days added after the rule's date (e.g. 1 for "the Tuesday after the first Monday").
    public let offsetDays: Int
    /// The observance shift.
    public let observance: Observance
    /// Which years.
    public let years: Years

    /// Creates a holiday.
    public init(name: String, rule: Rule, offsetDays: Int = 0, observance: Observance = .none, years: Years = .all) {
        self.name = name
        self.rule = rule
        self.offsetDays = offsetDays
        self.observance = observance
        self.years = years
    }

    /// The days (counted from 1970-01-01) this holiday excludes because of its occurrence in `year`:
    /// the day itself and its observed day, which may fall in the year before (a Saturday New Year's Day).
    public func days(inYear year: Int) -> [Int64] {
        switch years {
        case .all: break
        case .even: if year % 2 != 0 { return [] }
        case .odd: if year % 2 == 0 { return [] }
        }
        let base: Int64
        switch rule {
        case .fixed(let month, let day):
            guard day <= CivilCalendar.daysInMonth(month, year: year) else { return [] }
            base = CivilCalendar.days(year: year, month: month, day: day)
        case .nthWeekday(let month, let weekday, let nth):
            base = Self.nthWeekday(year: year, month: month, weekday: weekday, nth: nth)
        case .easter(let offset):
            base = Self.easterSunday(year: year) + Int64(offset)
        case .date(let date):
            guard date.year == year else { return [] }
            base = date.daysSinceEpoch
        }
        let day = base + Int64(offsetDays)
        let weekday = Weekday(daysSinceEpoch: day)
        switch (observance, weekday) {
        case (.federal, .saturday): return [day, day - 1]
        case (.federal, .sunday), (.sundayToMonday, .sunday), (.weekendToMonday, .sunday): return [day, day + 1]
        case (.weekendToMonday, .saturday): return [day, day + 2]
        default: return [day]
        }
    }

    /// The day of the nth (or last, `nth == -1`) weekday of a month.
    static func nthWeekday(year: Int, month: Int, weekday: Weekday, nth: Int) -> Int64 {
        if nth < 0 {
            let last = CivilCalendar.days(year: year, month: month, day: CivilCalendar.daysInMonth(month, year: year))
            let back = (Weekday(daysSinceEpoch: last).rawValue - weekday.rawValue + 7) % 7
            return last - Int64(back)
        }
        let first = CivilCalendar.days(year: year, month: month, day: 1)
        let ahead = (weekday.rawValue - Weekday(daysSinceEpoch: first).rawValue + 7) % 7
        return first + Int64(ahead + 7 * (nth - 1))
    }

    /// Western (Gregorian) Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    static func easterSunday(year: Int) -> Int64 {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilCalendar.days(year: year, month: month, day: day)
    }
}

extension CallingRuleSet {
    /// Every day (counted from 1970-01-01) in the given years that the named calendar excludes, with
    /// the calendars it includes, sorted; observed days that fall outside the years are left out.
    public func holidayDays(calendar name: String, years: ClosedRange<Int>) -> [Int64] {
        let first = CivilCalendar.days(year: years.lowerBound, month: 1, day: 1)
        let last = CivilCalendar.days(year: years.upperBound, month: 12, day: 31)
        var result: Set<Int64> = []
        var pending = [name]
        var seen: Set<String> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted, let calendar = calendars[next] else { continue }
            pending.append(contentsOf: calendar.includes)
            for holiday in calendar.days {
                for year in (years.lowerBound - 1)...(years.upperBound + 1) {
                    for day in holiday.days(inYear: year) where day >= first && day <= last { result.insert(day) }
                }
            }
        }
        return result.sorted()
    }
}
