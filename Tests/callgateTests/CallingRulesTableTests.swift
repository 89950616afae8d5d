import CallingRulesYAML
import CallGateCore
import Testing

/// Table tests generated from the committed rules file: every window edge of every rule, every day
/// a rule closes, and every holiday of its calendars, checked through `CallingWindows` at a location
/// in the rule's jurisdiction.
@Suite("The committed rules, edge by edge")
struct CallingRulesTableTests {
    static let ruleSet = CallingRulesFile.builtIn
    static let windows = CallingWindows(ruleSet: ruleSet)

    /// A location inside the rule's jurisdiction: the state's first zone, Ontario for Canada, New York for any.
    static func place(_ rule: CallingRule) -> (state: String, zone: IANATimeZone) {
        let state = rule.jurisdiction.state ?? (rule.jurisdiction.country == "CA" ? "ON" : "NY")
        let location = AreaCodeLocations.shared.locations(state: state, timeZone: nil)!.first!
        return (state, location.timeZone)
    }

    /// Whether `rule` is among the rules refusing a call at the local wall time.
    static func blocks(_ rule: CallingRule, on date: CivilDate, minute: Int) throws -> Bool {
        let (state, zone) = place(rule)
        let profile = CallingProfile.allCases.first(where: rule.profiles.contains)!
        let callType = CallType.allCases.first(where: rule.callTypes.contains)!
        let wall = LocalDateTime(year: date.year, month: date.month, day: date.day, hour: minute / 60, minute: minute % 60)!
        guard case .unique(let instant) = zone.instants(of: wall) else { throw RulesTableError.notUnique }
        let query = CallingWindowQuery(phone: nil, atEpochMillis: instant.epochMillis, state: state, timeZone: zone, callType: callType)
        return try windows.evaluate(query, policy: CallingPolicy(profile: profile)).blockedBy.contains { $0.id == rule.id }
    }

    enum RulesTableError: Error { case notUnique }

    /// A week of 2030 with no holiday in any calendar of the file (Monday 2030-03-11, after the DST change).
    static let week = (0..<7).map { CivilDate(daysSinceEpoch: CivilDate(year: 2030, month: 3, day: 11)!.daysSinceEpoch + Int64($0)) }

    @Test("The week used has no holiday in any calendar")
    func quietWeek() {
        for name in Self.ruleSet.calendars.keys {
            let days = Set(Self.ruleSet.holidayDays(calendar: name, years: 2030...2030))
            #expect(Self.week.allSatisfy { !days.contains($0.daysSinceEpoch) }, "\(name)")
        }
    }

    @Test("Each window opens at its start and closes at its end; a day without windows is closed", arguments: CallingRulesFile.builtIn.rules.map(\.id))
    func windowEdges(id: String) throws {
        let rule = try #require(Self.ruleSet.rules.first { $0.id == id })
        for date in Self.week {
            let windows = rule.windows[Weekday(daysSinceEpoch: date.daysSinceEpoch).rawValue]
            if windows.isEmpty {
                #expect(try Self.blocks(rule, on: date, minute: 12 * 60), "\(id) \(date) noon")
            }
            for window in windows {
                #expect(try !Self.blocks(rule, on: date, minute: window.startMinute), "\(id) \(date) \(window) start")
                #expect(try !Self.blocks(rule, on: date, minute: window.endMinute - 1), "\(id) \(date) \(window) last minute")
                if window.startMinute > 0 {
                    #expect(try Self.blocks(rule, on: date, minute: window.startMinute - 1), "\(id) \(date) \(window) before")
                }
                if window.endMinute < 1440 {
                    #expect(try Self.blocks(rule, on: date, minute: window.endMinute), "\(id) \(date) \(window) end")
                }
            }
        }
    }

    @Test("Each holiday of a rule's calendars in 2026-2040 closes the rule at noon, unless its holiday windows open then",
          arguments: CallingRulesFile.builtIn.rules.filter { !$0.holidayCalendars.isEmpty || !$0.excludedDates.isEmpty }.map(\.id))
    func holidays(id: String) throws {
        let rule = try #require(Self.ruleSet.rules.first { $0.id == id })
        let noonOpen = rule.holidayWindows.contains { $0.startMinute <= 720 && 720 < $0.endMinute }
        var days = Set(rule.holidayCalendars.flatMap { Self.ruleSet.holidayDays(calendar: $0, years: 2026...2040) })
        days.formUnion(rule.excludedDates.map(\.daysSinceEpoch))
        #expect(!days.isEmpty)
        for day in days.sorted() {
            let date = CivilDate(daysSinceEpoch: day)
            if let effective = rule.effective, date < effective { continue }
            #expect(try Self.blocks(rule, on: date, minute: 720) == !noonOpen, "\(id) \(date)")
        }
    }

    @Test("Every rule and calendar of the reference is in the file, with its confidence")
    func reference() {
        let confidence = Dictionary(uniqueKeysWithValues: Self.ruleSet.rules.map { ($0.id, $0.confidence) })
        #expect(confidence == [
            "US-federal-hours": .confirmed, "CA-CRTC-telemarketing": .confirmed, "CA-CRTC-adad": .secondary,
            "US-FL-solicitation": .confirmed, "US-OK-solicitation": .secondary, "US-OK-adad": .confirmed,
            "US-MD-solicitation": .secondary, "US-WA-solicitation": .confirmed, "US-TX-solicitation": .secondary,
            "US-AL-telemarketing": .secondary, "US-LA-solicitation": .confirmed, "US-MS-solicitation": .confirmed,
            "US-MS-sales": .secondary, "US-MS-charitable": .confirmed, "US-KY-solicitation": .secondary,
            "US-KY-automated": .confirmed, "US-MA-sales": .confirmed, "US-CT-sales": .secondary,
            "US-IL-solicitation": .secondary, "US-IL-autodialer": .secondary, "US-PA-telemarketing": .confirmed,
            "US-PA-holidays": .secondary, "US-RI-sales": .confirmed, "US-UT-solicitation": .confirmed,
            "US-SD-autodialed": .confirmed, "US-DC-solicitation": .confirmed, "US-MI-telemarketing": .secondary,
            "US-MN-prerecorded": .secondary, "US-NV-telemarketing": .secondary, "US-NM-telemarketing": .secondary,
            "US-CA-adad": .secondary, "US-NE-prerecorded": .secondary,
        ])
        #expect(Self.ruleSet.rules.filter { $0.profiles.contains(.collections) }.map(\.id) == ["US-federal-hours"])
        #expect(Self.ruleSet.rules.filter { $0.profiles.contains(.baseline) }.map(\.id) == ["US-federal-hours"])
        #expect(Self.ruleSet.calendars.mapValues(\.confidence) == [
            "US-federal": .secondary, "US-RI": .confirmed, "US-UT": .secondary, "US-LA": .secondary, "US-AL": .secondary, "US-PA": .secondary,
        ])
    }
}
