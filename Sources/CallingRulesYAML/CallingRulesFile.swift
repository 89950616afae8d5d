import CallGateCore
import Yams

/// The calling-window rules file (`rules/calling-windows.yaml`, embedded as `CallingRulesDocument`):
/// YAML read with Yams into `CallGateCore`'s rule set, every problem reported with its line.
///
/// The pure core knows no YAML; this is the one reader of the format, for the built-in rules,
/// a replacement file and `callgate rules check`.
public enum CallingRulesFile {
    /// The built-in rules. They are checked by the tests, so a failure here is a build defect.
    public static let builtIn: CallingRuleSet = {
        do {
            return try parse(CallingRulesDocument.text)
        } catch {
            preconditionFailure("the embedded rules/calling-windows.yaml is invalid:\n\(error)")
        }
    }()

    /// Reads rules from YAML text.
    public static func parse(_ text: String) throws(CallingRulesError) -> CallingRuleSet {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw CallingRulesError(issues: [Self.issue(error)])
        } catch {
            throw CallingRulesError(issues: [CallingRulesIssue(line: nil, "not valid YAML: \(error)")])
        }
        guard let root else { throw CallingRulesError(issues: [CallingRulesIssue(line: 1, "the file is empty; it needs `calendars:` and `rules:`")]) }
        var reader = Reader()
        let document = reader.document(root)
        guard reader.issues.isEmpty, let document else { throw CallingRulesError(issues: reader.issues) }
        return try CallingRuleSet(rules: document.rules, calendars: document.calendars)
    }

    private static func issue(_ error: YamlError) -> CallingRulesIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            CallingRulesIssue(line: mark.line, "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, _):
            CallingRulesIssue(line: nil, "not valid YAML: a mapping repeats the key \(duplicates.joined(separator: ", "))")
        default:
            CallingRulesIssue(line: nil, "not valid YAML: \(error)")
        }
    }
}

/// Walks the YAML nodes, collecting every problem instead of stopping at the first.
private struct Reader {
    var issues: [CallingRulesIssue] = []

    mutating func fail(_ node: Node, _ message: String) {
        issues.append(CallingRulesIssue(line: node.mark?.line, message))
    }

    /// The mapping's values by key; unknown and missing keys are reported.
    mutating func fields(_ node: Node, _ what: String, required: [String], optional: [String]) -> [String: Node]? {
        guard let mapping = node.mapping else {
            fail(node, "\(what) must be a mapping")
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                fail(key, "\(what): a key must be a plain name")
                continue
            }
            guard required.contains(name) || optional.contains(name) else {
                fail(key, "\(what): unknown field \"\(name)\"; known fields: \((required + optional).joined(separator: ", "))")
                continue
            }
            if result[name] != nil { fail(key, "\(what): field \"\(name)\" appears twice") }
            result[name] = value
        }
        for name in required where result[name] == nil {
            fail(node, "\(what): missing field \"\(name)\"")
        }
        return result
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            fail(node, "\(what) must be a non-empty text")
            return nil
        }
        return scalar.string
    }

    mutating func list(_ node: Node, _ what: String) -> [Node] {
        if let sequence = node.sequence { return Array(sequence) }
        fail(node, "\(what) must be a list")
        return []
    }

    mutating func names<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, as type: T.Type) -> [T] where T.RawValue == String {
        list(node, what).compactMap { item in
            guard let text = string(item, what) else { return nil }
            guard let value = T(rawValue: text) else {
                fail(item, "\(what): unknown value \"\(text)\"; known: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return value
        }
    }

    mutating func date(_ node: Node, _ what: String) -> CivilDate? {
        guard let text = string(node, what) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              let date = CivilDate(year: year, month: month, day: day) else {
            fail(node, "\(what): \"\(text)\" is not a date YYYY-MM-DD")
            return nil
        }
        return date
    }

    mutating func document(_ root: Node) -> (calendars: [HolidayCalendar], rules: [CallingRule])? {
        guard let top = fields(root, "the file", required: ["calendars", "rules"], optional: []) else { return nil }
        let calendars = top["calendars"].map { list($0, "calendars").compactMap { calendar($0) } } ?? []
        let rules = top["rules"].map { list($0, "rules").compactMap { rule($0) } } ?? []
        return (calendars, rules)
    }

    // MARK: Rules

    mutating func rule(_ node: Node) -> CallingRule? {
        guard let fields = fields(node, "a rule", required: ["id", "jurisdiction", "profiles", "callTypes", "windows", "citation", "confidence", "effective"],
                                  optional: ["excludedDays", "holidayWindows", "note"]) else { return nil }
        let id = fields["id"].flatMap { string($0, "id") } ?? "?"
        let what = "rule \"\(id)\""
        var jurisdiction: Jurisdiction?
        if let node = fields["jurisdiction"], let text = string(node, "\(what) jurisdiction") {
            jurisdiction = Jurisdiction.parse(text)
            if jurisdiction == nil { fail(node, "\(what): jurisdiction \"\(text)\" is not any, US, CA, US-XX or CA-XX with a known state or province code") }
        }
        let profiles = fields["profiles"].map { names($0, "\(what) profiles", as: CallingProfile.self) } ?? []
        if profiles.contains(.off) { fail(fields["profiles"]!, "\(what): the profile \"off\" checks nothing and takes no rules") }
        let callTypes = fields["callTypes"].map { names($0, "\(what) callTypes", as: CallType.self) } ?? []
        let windows = fields["windows"].flatMap { weekWindows($0, what) }
        var confidence: RuleConfidence?
        if let node = fields["confidence"], let text = string(node, "\(what) confidence") {
            confidence = RuleConfidence(rawValue: text)
            if confidence == nil { fail(node, "\(what): confidence must be confirmed or secondary, not \"\(text)\"") }
        }
        var effective: CivilDate?
        if let node = fields["effective"], !["null", "~"].contains(node.scalar?.string ?? "") { effective = date(node, "\(what) effective") }
        var holidays: [String] = []
        var dates: [CivilDate] = []
        if let node = fields["excludedDays"], let excluded = self.fields(node, "\(what) excludedDays", required: [], optional: ["holidays", "dates"]) {
            holidays = excluded["holidays"].map { list($0, "\(what) holidays").compactMap { string($0, "\(what) holidays") } } ?? []
            dates = excluded["dates"].map { list($0, "\(what) dates").compactMap { date($0, "\(what) dates") } } ?? []
        }
        let holidayWindows = fields["holidayWindows"].map { dayWindows($0, "\(what) holidayWindows") ?? [] } ?? []
        let citation = fields["citation"].flatMap { string($0, "\(what) citation") }
        if fields["note"] != nil { _ = string(fields["note"]!, "\(what) note") }
        if profiles.isEmpty, let node = fields["profiles"] { fail(node, "\(what): profiles names none") }
        if callTypes.isEmpty, let node = fields["callTypes"] { fail(node, "\(what): callTypes names none") }
        guard let jurisdiction, let windows, let confidence, let citation, id != "?" else { return nil }
        return CallingRule(id: id, jurisdiction: jurisdiction, profiles: Set(profiles), callTypes: Set(callTypes), windows: windows,
                           holidayCalendars: holidays, excludedDates: dates, holidayWindows: holidayWindows, citation: citation,
                           confidence: confidence, effective: effective, line: node.mark?.line)
    }

    static let dayGroups: [String: [Weekday]] = {
        var groups: [String: [Weekday]] = [
            "daily": Weekday.allCases,
            "monday-friday": [.monday, .tuesday, .wednesday, .thursday, .friday],
            "monday-saturday": [.monday, .tuesday, .wednesday, .thursday, .friday, .saturday],
            "saturday-sunday": [.saturday, .sunday],
        ]
        for day in Weekday.allCases { groups[day.name] = [day] }
        return groups
    }()

    mutating func weekWindows(_ node: Node, _ what: String) -> [[DailyWindow]]? {
        guard let mapping = node.mapping else {
            fail(node, "\(what): windows must be a mapping such as {daily: \"08:00-21:00\"}")
            return nil
        }
        var week = [[DailyWindow]?](repeating: nil, count: 7)
        var valid = true
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let days = Self.dayGroups[name] else {
                fail(key, "\(what): unknown windows key \"\(key.scalar?.string ?? "?")\"; use daily, monday-friday, monday-saturday, saturday-sunday or a weekday name")
                valid = false
                continue
            }
            let windows = dayWindows(value, "\(what) windows \(name)")
            if windows == nil { valid = false }
            for day in days {
                if week[day.rawValue] != nil {
                    fail(key, "\(what): windows give \(day.name) twice")
                    valid = false
                }
                week[day.rawValue] = windows ?? []
            }
        }
        let missing = Weekday.allCases.filter { week[$0.rawValue] == nil }
        if !missing.isEmpty {
            fail(node, "\(what): windows do not say \(missing.map(\.name).joined(separator: ", ")); give a window or none for every weekday")
            valid = false
        }
        return valid ? week.map { $0 ?? [] } : nil
    }

    /// `"HH:MM-HH:MM"`, a list of them, or `none`.
    mutating func dayWindows(_ node: Node, _ what: String) -> [DailyWindow]? {
        let items: [Node]
        if let sequence = node.sequence {
            items = Array(sequence)
        } else if node.scalar?.string == "none" {
            return []
        } else {
            items = [node]
        }
        var windows: [DailyWindow] = []
        for item in items {
            guard let text = item.scalar?.string, let window = Self.window(text) else {
                fail(item, "\(what): \"\(item.scalar?.string ?? "?")\" is not a window HH:MM-HH:MM with a start before its end (24:00 ends the day), or none")
                return nil
            }
            if let last = windows.last, window.startMinute < last.endMinute {
                fail(item, "\(what): windows must be in order and must not overlap (\(last) then \(window))")
                return nil
            }
            windows.append(window)
        }
        return windows
    }

    static func window(_ text: String) -> DailyWindow? {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = minute(bounds[0]), let end = minute(bounds[1]) else { return nil }
        return DailyWindow(startMinute: start, endMinute: end)
    }

    static func minute(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        return hour * 60 + minute
    }

    // MARK: Calendars

    mutating func calendar(_ node: Node) -> HolidayCalendar? {
        guard let fields = fields(node, "a calendar", required: ["name", "confidence", "source", "days"], optional: ["include"]) else { return nil }
        let name = fields["name"].flatMap { string($0, "calendar name") }
        let what = "calendar \"\(name ?? "?")\""
        var confidence: RuleConfidence?
        if let node = fields["confidence"], let text = string(node, "\(what) confidence") {
            confidence = RuleConfidence(rawValue: text)
            if confidence == nil { fail(node, "\(what): confidence must be confirmed or secondary, not \"\(text)\"") }
        }
        let source = fields["source"].flatMap { string($0, "\(what) source") }
        let includes = fields["include"].map { list($0, "\(what) include").compactMap { string($0, "\(what) include") } } ?? []
        let days = fields["days"].map { list($0, "\(what) days").compactMap { holiday($0, what) } } ?? []
        guard let name, let confidence, let source else { return nil }
        return HolidayCalendar(name: name, includes: includes, days: days, confidence: confidence, source: source, line: node.mark?.line)
    }

    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    mutating func holiday(_ node: Node, _ calendar: String) -> Holiday? {
        guard let fields = fields(node, "a day of \(calendar)", required: ["name"],
                                  optional: ["date", "weekday", "nth", "month", "easter", "offsetDays", "observed", "years"]) else { return nil }
        guard let name = fields["name"].flatMap({ string($0, "\(calendar) day name") }) else { return nil }
        let what = "\(calendar) day \"\(name)\""
        let kinds = ["date", "weekday", "easter"].filter { fields[$0] != nil }
        guard kinds.count == 1 else {
            fail(node, "\(what): give exactly one of date, weekday (with nth and month) or easter")
            return nil
        }
        var rule: Holiday.Rule?
        switch kinds[0] {
        case "date":
            let text = fields["date"].flatMap { string($0, "\(what) date") } ?? ""
            let parts = text.split(separator: "-").compactMap { Int($0) }
            if text.count == 5, parts.count == 2, CivilDate(year: 2024, month: parts[0], day: parts[1]) != nil {
                rule = .fixed(month: parts[0], day: parts[1])
            } else if text.count == 10, let date = date(fields["date"]!, "\(what) date") {
                rule = .date(date)
            } else if text.count != 10 {
                fail(fields["date"]!, "\(what): date \"\(text)\" is neither MM-DD nor YYYY-MM-DD")
            }
        case "weekday":
            let weekdayText = fields["weekday"].flatMap { string($0, "\(what) weekday") }
            let weekday = Weekday.allCases.first { $0.name == weekdayText }
            if weekday == nil { fail(fields["weekday"]!, "\(what): weekday \"\(weekdayText ?? "")\" is not a weekday name such as monday") }
            var nth: Int?
            if let node = fields["nth"] {
                let text = node.scalar?.string
                nth = text == "last" ? -1 : text.flatMap(Int.init).flatMap { (1...5).contains($0) ? $0 : nil }
                if nth == nil { fail(node, "\(what): nth must be 1 to 5 or last") }
            } else {
                fail(node, "\(what): a weekday needs nth (1 to 5 or last)")
            }
            var month: Int?
            if let node = fields["month"] {
                let text = node.scalar?.string ?? ""
                month = Int(text).flatMap { (1...12).contains($0) ? $0 : nil } ?? Self.months.firstIndex(of: text.lowercased()).map { $0 + 1 }
                if month == nil { fail(node, "\(what): month must be 1 to 12 or a month name") }
            } else {
                fail(node, "\(what): a weekday needs month")
            }
            if let weekday, let nth, let month { rule = .nthWeekday(month: month, weekday: weekday, nth: nth) }
        default:
            let node = fields["easter"]!
            if let offset = (node.scalar?.string).flatMap({ Int($0) }), abs(offset) <= 100 {
                rule = .easter(offsetDays: offset)
            } else {
                fail(node, "\(what): easter must be a number of days from Easter Sunday, e.g. -2 for Good Friday")
            }
        }
        var offset = 0
        if let node = fields["offsetDays"] {
            if let value = (node.scalar?.string).flatMap({ Int($0) }), abs(value) <= 31 { offset = value } else { fail(node, "\(what): offsetDays must be a whole number of days, -31 to 31") }
        }
        var observance = Holiday.Observance.none
        if let node = fields["observed"] {
            let text = node.scalar?.string ?? ""
            if let value = Holiday.Observance(rawValue: text) { observance = value } else {
                fail(node, "\(what): observed must be one of \(Holiday.Observance.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var years = Holiday.Years.all
        if let node = fields["years"] {
            let text = node.scalar?.string ?? ""
            if let value = Holiday.Years(rawValue: text) { years = value } else { fail(node, "\(what): years must be all, even or odd") }
        }
        guard let rule else { return nil }
        return Holiday(name: name, rule: rule, offsetDays: offset, observance: observance, years: years)
    }
}
