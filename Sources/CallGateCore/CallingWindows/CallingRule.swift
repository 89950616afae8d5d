/// The kinds of call a calling-hour rule can cover.
public enum CallType: String, Sendable, Hashable, CaseIterable {
    /// A call an agent places or is connected to live (LiveVox's manual calls).
    case live
    /// A call placed by automatic dialing equipment.
    case autodialed
    /// A call that plays a recorded message.
    case prerecorded
}

/// A set of rules chosen per service: which rules of the data a call is checked against.
public enum CallingProfile: String, Sendable, Hashable, CaseIterable {
    /// The federal 08:00-21:00 window at every possible location, every day.
    case baseline
    /// `baseline` plus every state rule for solicitation calls, and the CRTC hours for Canada.
    case telemarketing
    /// `baseline` plus the rules the data marks as covering debt collection.
    case collections
    /// No check at all.
    case off
}

/// How sure the rule data is of a rule, as the reference notes give it.
public enum RuleConfidence: String, Sendable, Hashable, CaseIterable {
    /// Read in the statute or regulation text (or the regulator's own summary).
    case confirmed
    /// From vendor tables, law-firm blogs or news only.
    case secondary
}

/// Which rules of a profile count: all of them, or only those confirmed from their text.
public enum ConfidenceFilter: String, Sendable, Hashable, CaseIterable {
    /// Confirmed and secondary rules.
    case all
    /// Confirmed rules only; secondary ones are dropped.
    case confirmed
}

/// A day of the week, Monday first (ISO 8601).
public enum Weekday: Int, Sendable, Hashable, CaseIterable {
    /// Monday.
    case monday = 0
    /// Tuesday.
    case tuesday
    /// Wednesday.
    case wednesday
    /// Thursday.
    case thursday
    /// Friday.
    case friday
    /// Saturday.
    case saturday
    /// Sunday.
    case sunday

    /// The weekday of a day counted from 1970-01-01 (a Thursday).
    public init(daysSinceEpoch days: Int64) {
        self = Weekday(rawValue: Int(CivilCalendar.floorDivide(days + 3, 7).remainder))!
    }

    /// The lowercase English name, as the rules file writes it.
    public var name: String { String(describing: self) }
}

/// A date without a time or zone.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year.
    public let year: Int
    /// The month, 1-12.
    public let month: Int
    /// The day of the month.
    public let day: Int

    /// A valid date, or nil.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date of a day counted from 1970-01-01.
    public init(daysSinceEpoch days: Int64) {
        let date = CivilCalendar.date(days: days)
        self.year = date.year
        self.month = date.month
        self.day = date.day
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int64 { CivilCalendar.days(year: year, month: month, day: day) }

    /// `YYYY-MM-DD`.
    public var description: String { "\(TimeFormat.pad(year, 4))-\(TimeFormat.pad(month))-\(TimeFormat.pad(day))" }

    /// Orders by day.
    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }
}

/// One local window of a day: calls may start at `startMinute` and must start before `endMinute`
/// (minutes after local midnight; 1440 is the next midnight).
public struct DailyWindow: Sendable, Hashable, CustomStringConvertible {
    /// The first minute allowed.
    public let startMinute: Int
    /// The first minute no longer allowed.
    public let endMinute: Int

    /// A window with `0 <= start < end <= 1440`, or nil.
    public init?(startMinute: Int, endMinute: Int) {
        guard startMinute >= 0, startMinute < endMinute, endMinute <= 1440 else { return nil }
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// `HH:MM-HH:MM`, as the rules file writes it.
    public var description: String {
        "\(TimeFormat.pad(startMinute / 60)):\(TimeFormat.pad(startMinute % 60))-\(TimeFormat.pad(endMinute / 60)):\(TimeFormat.pad(endMinute % 60))"
    }
}

/// Where a rule applies: everywhere, a country, or one state or province of it.
public struct Jurisdiction: Sendable, Hashable, CustomStringConvertible {
    /// `US` or `CA`; nil for a rule that applies at every location.
    public let country: String?
    /// A state, district, territory or province code (`FL`, `PR`, `ON`); nil for the whole country.
    public let state: String?

    /// Every location.
    public static let everywhere = Jurisdiction(country: nil, state: nil)

    /// Creates a jurisdiction.
    public init(country: String?, state: String?) {
        self.country = country
        self.state = state
    }

    /// Parses `any`, `US`, `CA`, `US-FL` or `CA-ON`; nil for anything else.
    public static func parse(_ text: String) -> Jurisdiction? {
        if text == "any" { return .everywhere }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let country = parts.first.map(String.init), ["US", "CA"].contains(country), parts.count <= 2 else { return nil }
        guard parts.count == 2 else { return Jurisdiction(country: country, state: nil) }
        let state = String(parts[1])
        guard KnownStates.contains(country: country, state: state) else { return nil }
        return Jurisdiction(country: country, state: state)
    }

    /// Whether a location lies in this jurisdiction.
    public func contains(_ location: CallingLocation) -> Bool {
        guard let country else { return true }
        guard location.country == country else { return false }
        guard let state else { return true }
        return location.state == state
    }

    /// `any`, `US` or `US-FL`.
    public var description: String {
        guard let country else { return "any" }
        guard let state else { return country }
        return "\(country)-\(state)"
    }
}

/// The state, district, territory and province codes a rule or a caller may name.
public enum KnownStates {
    /// The 50 states, DC and the five inhabited territories.
    public static let us: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
        "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
        "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
        "PR", "VI", "GU", "MP", "AS",
    ]
    /// The 10 provinces and 3 territories.
    public static let canada: Set<String> = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]

    /// Whether `state` is a code of `country` (`US` or `CA`).
    public static func contains(country: String, state: String) -> Bool {
        country == "US" ? us.contains(state) : country == "CA" ? canada.contains(state) : false
    }
}

/// One calling-hour rule of the data: where and to which calls it applies, and when calls may start.
public struct CallingRule: Sendable, Hashable {
    /// A stable id, e.g. `US-FL-solicitation`.
    public let id: String
    /// Where it applies.
    public let jurisdiction: Jurisdiction
    /// The profiles it belongs to.
    public let profiles: Set<CallingProfile>
    /// The calls it covers.
    public let callTypes: Set<CallType>
    /// The local windows of each weekday (index `Weekday.rawValue`); empty means no calls that day.
    public let windows: [[DailyWindow]]
    /// Holiday calendars (by name) whose days are excluded.
    public let holidayCalendars: [String]
    /// Single dates excluded (e.g. a governor's proclamation).
    public let excludedDates: [CivilDate]
    /// The windows on an excluded day; empty (the usual case) means no calls at all that day.
    public let holidayWindows: [DailyWindow]
    /// The statute, regulation or other source.
    public let citation: String
    /// How sure the data is.
    public let confidence: RuleConfidence
    /// The first local date the rule applies; nil when it is in force and its start is unknown.
    public let effective: CivilDate?
    /// The line of the rules file that starts the rule, for messages; nil when built in code.
    public let line: Int?

    /// Creates a rule.
    public init(id: String, jurisdiction: Jurisdiction, profiles: Set<CallingProfile>, callTypes: Set<CallType>,
                windows: [[DailyWindow]], holidayCalendars: [String] = [], excludedDates: [CivilDate] = [],
                holidayWindows: [DailyWindow] = [], citation: String, confidence: RuleConfidence,
                effective: CivilDate? = nil, line: Int? = nil) {
        precondition(windows.count == 7, "a rule has windows for seven weekdays")
        self.id = id
        self.jurisdiction = jurisdiction
        self.profiles = profiles
        self.callTypes = callTypes
        self.windows = windows
        self.holidayCalendars = holidayCalendars
        self.excludedDates = excludedDates
        self.holidayWindows = holidayWindows
        self.citation = citation
        self.confidence = confidence
        self.effective = effective
        self.line = line
    }
}

/// The whole rule data: rules and the holiday calendars they name.
public struct CallingRuleSet: Sendable, Hashable {
    /// The rules, in file order.
    public let rules: [CallingRule]
    /// The holiday calendars by name.
    public let calendars: [String: HolidayCalendar]

    /// Checks the cross-references (duplicate ids, unknown or circular calendars) and builds the set.
    public init(rules: [CallingRule], calendars: [HolidayCalendar]) throws(CallingRulesError) {
        var issues: [CallingRulesIssue] = []
        var byName: [String: HolidayCalendar] = [:]
        for calendar in calendars {
            if let first = byName[calendar.name] {
                issues.append(CallingRulesIssue(line: calendar.line, "duplicate calendar \"\(calendar.name)\" (first defined\(first.line.map { " on line \($0)" } ?? ""))"))
            }
            byName[calendar.name] = calendar
        }
        for calendar in calendars {
            for included in calendar.includes where byName[included] == nil {
                issues.append(CallingRulesIssue(line: calendar.line, "calendar \"\(calendar.name)\" includes unknown calendar \"\(included)\"; known: \(byName.keys.sorted().joined(separator: ", "))"))
            }
            if Self.includesItself(calendar.name, byName) {
                issues.append(CallingRulesIssue(line: calendar.line, "calendar \"\(calendar.name)\" includes itself, directly or through another calendar"))
            }
        }
        var ids: [String: CallingRule] = [:]
        for rule in rules {
            if let first = ids[rule.id] {
                issues.append(CallingRulesIssue(line: rule.line, "duplicate rule id \"\(rule.id)\" (first defined\(first.line.map { " on line \($0)" } ?? ""))"))
            }
            ids[rule.id] = rule
            for name in rule.holidayCalendars where byName[name] == nil {
                issues.append(CallingRulesIssue(line: rule.line, "rule \"\(rule.id)\" names unknown holiday calendar \"\(name)\"; known: \(byName.keys.sorted().joined(separator: ", "))"))
            }
        }
        guard issues.isEmpty else { throw CallingRulesError(issues: issues) }
        self.rules = rules
        self.calendars = byName
    }

    private static func includesItself(_ name: String, _ byName: [String: HolidayCalendar]) -> Bool {
        var seen: Set<String> = []
        var pending = byName[name]?.includes ?? []
        while let next = pending.popLast() {
            if next == name { return true }
            guard seen.insert(next).inserted else { continue }
            pending.append(contentsOf: byName[next]?.includes ?? [])
        }
        return false
    }
}

/// One problem found in rule data, with the line of the rules file it is on when known.
public struct CallingRulesIssue: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line, when known.
    public let line: Int?
    /// What is wrong.
    public let message: String

    /// Creates an issue.
    public init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    /// `line 12: message`.
    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

/// Rule data that cannot be used, with every problem found.
public struct CallingRulesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in file order where lines are known.
    public let issues: [CallingRulesIssue]

    /// Creates the error.
    public init(issues: [CallingRulesIssue]) { self.issues = issues }

    /// One issue a line.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
