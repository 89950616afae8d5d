import PropertyBased
import Testing
@testable import CallGateCore

/// A small rule set in code, shaped like the rules file's (the file itself is read in the
/// `callgate` tests, where the YAML reader lives): the federal hours everywhere, Florida's 20:00
/// close, Rhode Island's weekday hours and holidays, Texas's Sunday noon, and a rule that only
/// closes on holidays.
enum SampleRules {
    static func window(_ start: Int, _ end: Int) -> DailyWindow { DailyWindow(startMinute: start * 60, endMinute: end * 60)! }
    static func daily(_ start: Int, _ end: Int) -> [[DailyWindow]] { Array(repeating: [window(start, end)], count: 7) }

    static let federal = HolidayCalendar(name: "US-federal", days: [
        Holiday(name: "New Year's Day", rule: .fixed(month: 1, day: 1), observance: .federal),
        Holiday(name: "Memorial Day", rule: .nthWeekday(month: 5, weekday: .monday, nth: -1)),
        Holiday(name: "Independence Day", rule: .fixed(month: 7, day: 4), observance: .federal),
        Holiday(name: "Thanksgiving", rule: .nthWeekday(month: 11, weekday: .thursday, nth: 4)),
        Holiday(name: "Christmas", rule: .fixed(month: 12, day: 25), observance: .federal),
    ], confidence: .secondary, source: "test")

    static let rhodeIsland = HolidayCalendar(name: "US-RI", includes: ["US-federal"], days: [
        Holiday(name: "Victory Day", rule: .nthWeekday(month: 8, weekday: .monday, nth: 2)),
        Holiday(name: "Election day", rule: .nthWeekday(month: 11, weekday: .monday, nth: 1), offsetDays: 1, years: .even),
    ], confidence: .confirmed, source: "test")

    static let ruleSet = try! CallingRuleSet(rules: [
        CallingRule(id: "federal", jurisdiction: .everywhere, profiles: [.baseline, .telemarketing, .collections],
                    callTypes: Set(CallType.allCases), windows: daily(8, 21), citation: "TCPA", confidence: .confirmed),
        CallingRule(id: "US-FL", jurisdiction: Jurisdiction.parse("US-FL")!, profiles: [.telemarketing],
                    callTypes: Set(CallType.allCases), windows: daily(8, 20), citation: "Fla.", confidence: .confirmed,
                    effective: CivilDate(year: 2021, month: 7, day: 1)),
        CallingRule(id: "US-RI", jurisdiction: Jurisdiction.parse("US-RI")!, profiles: [.telemarketing],
                    callTypes: Set(CallType.allCases),
                    windows: Array(repeating: [window(9, 18)], count: 5) + [[window(10, 17)], []],
                    holidayCalendars: ["US-RI"], citation: "R.I.", confidence: .confirmed),
        CallingRule(id: "US-TX", jurisdiction: Jurisdiction.parse("US-TX")!, profiles: [.telemarketing],
                    callTypes: Set(CallType.allCases), windows: Array(repeating: [window(9, 21)], count: 6) + [[window(12, 21)]],
                    citation: "Tex.", confidence: .secondary),
        CallingRule(id: "US-PA-holidays", jurisdiction: Jurisdiction.parse("US-PA")!, profiles: [.telemarketing],
                    callTypes: Set(CallType.allCases), windows: daily(0, 24), holidayCalendars: ["US-federal"],
                    citation: "73 P.S.", confidence: .secondary),
        CallingRule(id: "US-SD-autodialed", jurisdiction: Jurisdiction.parse("US-SD")!, profiles: [.telemarketing],
                    callTypes: [.autodialed], windows: Array(repeating: [window(9, 21)], count: 5) + [[], []],
                    citation: "SDCL", confidence: .confirmed),
    ], calendars: [federal, rhodeIsland])

    static let windows = CallingWindows(ruleSet: ruleSet)
}

/// Whether `policy` allows a call starting at `millis` at the query's locations, computed the plain
/// way, independently of `CallingWindows`: each location's wall clock at that instant, its weekday
/// and holidays, and the windows of every rule that applies there.
func plainAllowed(_ windows: CallingWindows, _ locations: [CallingLocation], _ policy: CallingPolicy, at millis: Int64) -> Bool {
    for location in locations {
        let local = location.timeZone.localDateTime(atEpochMillis: millis).local
        let date = CivilDate(year: local.year, month: local.month, day: local.day)!
        let minute = local.hour * 60 + local.minute
        for rule in windows.rules(for: policy, at: location) {
            if let effective = rule.effective, date < effective { continue }
            let holidays = rule.holidayCalendars.flatMap { windows.ruleSet.holidayDays(calendar: $0, years: date.year...date.year) }
            let excluded = holidays.contains(date.daysSinceEpoch) || rule.excludedDates.contains(date)
            let today = excluded ? rule.holidayWindows : rule.windows[Weekday(daysSinceEpoch: date.daysSinceEpoch).rawValue]
            guard today.contains(where: { $0.startMinute <= minute && minute < $0.endMinute }) else { return false }
        }
    }
    return true
}

@Suite("Calling windows: holidays")
struct HolidayTests {
    @Test("Easter Sunday by the Gregorian computus, for years whose date is well known",
          arguments: [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2038, 4, 25), (2285, 3, 22)])
    func easter(year: Int, month: Int, day: Int) {
        #expect(Holiday.easterSunday(year: year) == CivilDate(year: year, month: month, day: day)!.daysSinceEpoch)
    }

    @Test("An nth-weekday holiday is that weekday, in its month, in the right week")
    func nthWeekday() async {
        await propertyCheck(count: 500, input: Gen.int(in: 1970...2100), Gen.int(in: 1...12), Gen.int(in: 0...6), Gen.int(in: 1...4)) { year, month, weekday, nth in
            let day = Holiday.nthWeekday(year: year, month: month, weekday: Weekday(rawValue: weekday)!, nth: nth)
            let date = CivilDate(daysSinceEpoch: day)
            #expect(Weekday(daysSinceEpoch: day).rawValue == weekday)
            #expect(date.month == month && date.year == year)
            #expect((date.day - 1) / 7 == nth - 1)
            let last = Holiday.nthWeekday(year: year, month: month, weekday: Weekday(rawValue: weekday)!, nth: -1)
            #expect(CivilDate(daysSinceEpoch: last).month == month && CivilDate(daysSinceEpoch: last + 7).month != month)
        }
    }

    @Test("Federal observance: a Saturday holiday is also kept the Friday before (in the year before for New Year's Day), a Sunday one the Monday after")
    func observance() {
        let newYear = Holiday(name: "New Year's Day", rule: .fixed(month: 1, day: 1), observance: .federal)
        // 2028-01-01 is a Saturday, 2034-01-01 a Sunday.
        #expect(newYear.days(inYear: 2028).map { CivilDate(daysSinceEpoch: $0).description } == ["2028-01-01", "2027-12-31"])
        #expect(newYear.days(inYear: 2034).map { CivilDate(daysSinceEpoch: $0).description } == ["2034-01-01", "2034-01-02"])
        let days = SampleRules.ruleSet.holidayDays(calendar: "US-federal", years: 2027...2027).map { CivilDate(daysSinceEpoch: $0).description }
        #expect(days.contains("2027-12-31"))
        let weekend = Holiday(name: "x", rule: .fixed(month: 7, day: 4), observance: .weekendToMonday)
        // 2026-07-04 is a Saturday.
        #expect(weekend.days(inYear: 2026).map { CivilDate(daysSinceEpoch: $0).description } == ["2026-07-04", "2026-07-06"])
    }

    @Test("A calendar includes the days of the calendars it names; an even-years day skips odd years")
    func includes() {
        let days = Set(SampleRules.ruleSet.holidayDays(calendar: "US-RI", years: 2026...2027).map { CivilDate(daysSinceEpoch: $0).description })
        #expect(days.isSuperset(of: ["2026-11-26", "2026-08-10", "2026-11-03", "2027-08-09"]))
        #expect(!days.contains("2027-11-02"))
    }

    @Test("Unknown calendars, circular includes and duplicate ids are refused with every problem")
    func crossReferences() {
        let rule = SampleRules.ruleSet.rules[2]
        #expect(throws: CallingRulesError.self) {
            try CallingRuleSet(rules: [rule, rule], calendars: [HolidayCalendar(name: "A", includes: ["A"], days: [], confidence: .secondary, source: "x", line: 3)])
        }
        do {
            _ = try CallingRuleSet(rules: [rule, rule], calendars: [HolidayCalendar(name: "A", includes: ["A"], days: [], confidence: .secondary, source: "x", line: 3)])
        } catch {
            #expect(error.issues.map(\.message) == [
                "calendar \"A\" includes itself, directly or through another calendar",
                "rule \"US-RI\" names unknown holiday calendar \"US-RI\"; known: A",
                "duplicate rule id \"US-RI\" (first defined)",
                "rule \"US-RI\" names unknown holiday calendar \"US-RI\"; known: A",
            ])
            #expect(error.issues[0].line == 3)
        }
    }
}

@Suite("Calling windows: evaluation")
struct CallingWindowsEvaluationTests {
    static let windows = SampleRules.windows

    static func utc(_ text: String) -> Int64 { try! ResolvedDateTime.resolve(.text(text), timeZone: nil).epochMillis }
    static func phone(_ text: String) -> PhoneNumber { try! PhoneNumber.parse(text) }

    @Test("Baseline: a call may start at 08:00:00 and must start before 21:00:00 local time")
    func baselineEdges() throws {
        let number = Self.phone("212 555 0123")  // New York
        let policy = CallingPolicy(profile: .baseline)
        func allowed(_ at: String) throws -> Bool { try Self.windows.evaluate(CallingWindowQuery(phone: number, atEpochMillis: Self.utc(at)), policy: policy).allowed }
        #expect(try allowed("2026-05-01T08:00:00-04:00"))
        #expect(try !allowed("2026-05-01T07:59:59-04:00"))
        #expect(try allowed("2026-05-01T20:59:59-04:00"))
        #expect(try !allowed("2026-05-01T21:00:00-04:00"))
        let late = try Self.windows.evaluate(CallingWindowQuery(phone: number, atEpochMillis: Self.utc("2026-05-01T21:30:00-04:00")), policy: policy)
        #expect(late.blockedBy.map(\.id) == ["federal"])
        #expect(late.nextAllowedAtEpochMillis == Self.utc("2026-05-02T08:00:00-04:00"))
    }

    @Test("A duration must fit before the window closes")
    func duration() throws {
        let number = Self.phone("212 555 0123")
        let at = Self.utc("2026-05-01T20:50:00-04:00")
        let policy = CallingPolicy(profile: .baseline)
        #expect(try Self.windows.evaluate(CallingWindowQuery(phone: number, atEpochMillis: at, durationSeconds: 600), policy: policy).allowed)
        let refused = try Self.windows.evaluate(CallingWindowQuery(phone: number, atEpochMillis: at, durationSeconds: 601), policy: policy)
        #expect(!refused.allowed)
        #expect(refused.nextAllowedAtEpochMillis == Self.utc("2026-05-02T08:00:00-04:00"))
        #expect(throws: CallingWindowError.self) {
            try Self.windows.evaluate(CallingWindowQuery(phone: number, atEpochMillis: at, durationSeconds: 86_401), policy: policy)
        }
    }

    @Test("Telemarketing adds the state's rule; the baseline and collections profiles do not; off checks nothing")
    func profiles() throws {
        let tallahassee = Self.phone("850 644 1234")  // Tallahassee: no exchange entry, so Central or Eastern
        let at = Self.utc("2026-05-01T20:30:00-04:00")
        let telemarketing = try Self.windows.evaluate(CallingWindowQuery(phone: tallahassee, atEpochMillis: at), policy: CallingPolicy(profile: .telemarketing))
        #expect(!telemarketing.allowed)
        #expect(telemarketing.blockedBy.map(\.id) == ["US-FL"])
        // 20:30 Eastern is 19:30 Central: Florida's 20:00 close refuses it in the Eastern part.
        #expect(Set(telemarketing.locations.map(\.timeZone.identifier)) == ["America/Chicago", "America/New_York"])
        #expect(try Self.windows.evaluate(CallingWindowQuery(phone: tallahassee, atEpochMillis: at), policy: CallingPolicy(profile: .baseline)).allowed)
        #expect(try Self.windows.evaluate(CallingWindowQuery(phone: tallahassee, atEpochMillis: at), policy: CallingPolicy(profile: .collections)).allowed)
        let night = Self.utc("2026-05-01T23:59:00-04:00")
        #expect(try Self.windows.evaluate(CallingWindowQuery(phone: tallahassee, atEpochMillis: night), policy: CallingPolicy(profile: .off)).allowed)
    }

    @Test("The confirmed option drops secondary rules (Texas's Sunday noon)")
    func confidence() throws {
        let sunday = Self.utc("2026-05-03T10:00:00-05:00")
        let query = CallingWindowQuery(phone: Self.phone("214 555 0123"), atEpochMillis: sunday)  // Dallas
        let all = try Self.windows.evaluate(query, policy: CallingPolicy(profile: .telemarketing))
        #expect(all.blockedBy.map(\.id) == ["US-TX"])
        #expect(all.nextAllowedAtEpochMillis == Self.utc("2026-05-03T12:00:00-05:00"))
        #expect(try Self.windows.evaluate(query, policy: CallingPolicy(profile: .telemarketing, confidence: .confirmed)).allowed)
    }

    @Test("Rules limited to autodialed calls do not apply to live calls")
    func callTypes() throws {
        let saturday = Self.utc("2026-05-02T10:00:00-05:00")
        let query = CallingWindowQuery(phone: nil, atEpochMillis: saturday, state: "SD", timeZone: IANATimeZone.named("America/Chicago"))
        #expect(try Self.windows.evaluate(query, policy: CallingPolicy(profile: .telemarketing)).allowed)
        let autodialed = CallingWindowQuery(phone: nil, atEpochMillis: saturday, state: "SD", timeZone: IANATimeZone.named("America/Chicago"), callType: .autodialed)
        let refused = try Self.windows.evaluate(autodialed, policy: CallingPolicy(profile: .telemarketing))
        #expect(refused.blockedBy.map(\.id) == ["US-SD-autodialed"])
        #expect(refused.nextAllowedAtEpochMillis == Self.utc("2026-05-04T09:00:00-05:00"))
    }

    @Test("A rule binds from its effective date on")
    func effective() throws {
        let query = { (at: String) in CallingWindowQuery(phone: Self.phone("305 555 0123"), atEpochMillis: Self.utc(at)) }
        #expect(try Self.windows.evaluate(query("2021-06-30T20:30:00-04:00"), policy: CallingPolicy(profile: .telemarketing)).allowed)
        #expect(try !Self.windows.evaluate(query("2021-07-01T20:30:00-04:00"), policy: CallingPolicy(profile: .telemarketing)).allowed)
    }

    @Test("Holidays close a rule's day; the next allowed instant skips them")
    func holidays() throws {
        // 2026-11-26 is Thanksgiving (a Thursday); RI also closes Election Day 2026-11-03.
        let thanksgiving = try Self.windows.evaluate(
            CallingWindowQuery(phone: Self.phone("401 555 0123"), atEpochMillis: Self.utc("2026-11-26T10:00:00-05:00")), policy: CallingPolicy(profile: .telemarketing))
        #expect(thanksgiving.blockedBy.map(\.id) == ["US-RI"])
        #expect(thanksgiving.nextAllowedAtEpochMillis == Self.utc("2026-11-27T09:00:00-05:00"))
        let pennsylvania = try Self.windows.evaluate(
            CallingWindowQuery(phone: Self.phone("215 555 0123"), atEpochMillis: Self.utc("2026-07-03T23:00:00-04:00")), policy: CallingPolicy(profile: .telemarketing))
        // July 4 2026 is a Saturday: the observed Friday (July 3) and the Saturday are both closed.
        #expect(pennsylvania.blockedBy.map(\.id) == ["federal", "US-PA-holidays"])
        #expect(pennsylvania.nextAllowedAtEpochMillis == Self.utc("2026-07-05T08:00:00-04:00"))
    }

    @Test("Every possible location counts: an unlisted 850 exchange may be Central or Eastern, and a caller's state adds its own")
    func strictestOverlap() throws {
        let unlisted = Self.phone("850 555 0123")
        let query = CallingWindowQuery(phone: unlisted, atEpochMillis: Self.utc("2026-05-01T07:30:00-05:00"))
        let decision = try Self.windows.evaluate(query, policy: CallingPolicy(profile: .baseline))
        #expect(Set(decision.locations.map(\.timeZone.identifier)) == ["America/Chicago", "America/New_York"])
        #expect(decision.locations.allSatisfy { $0.state == "FL" })
        // 07:30 Central is 08:30 Eastern: still closed in the Central part.
        #expect(!decision.allowed)
        #expect(decision.nextAllowedAtEpochMillis == Self.utc("2026-05-01T08:00:00-05:00"))
        let withCaller = try Self.windows.evaluate(
            CallingWindowQuery(phone: Self.phone("212 555 0123"), atEpochMillis: Self.utc("2026-05-01T20:30:00-04:00"), state: "CA"),
            policy: CallingPolicy(profile: .telemarketing))
        #expect(withCaller.allowed)
        #expect(withCaller.locations.map { "\($0.state ?? "-") \($0.timeZone.identifier)" } == ["NY America/New_York", "CA America/Los_Angeles"])
    }

    @Test("Toll-free numbers without a caller location are location_unknown; an unknown state is unknown_state")
    func locationUnknown() throws {
        let tollFree = Self.phone("1-800-FLOWERS")
        #expect(throws: CallingWindowError(.locationUnknown, "The number is toll-free or not geographic, so where the called party is cannot be known; give the party's state.")) {
            try Self.windows.evaluate(CallingWindowQuery(phone: tollFree, atEpochMillis: 0), policy: CallingPolicy(profile: .baseline))
        }
        let located = try Self.windows.evaluate(
            CallingWindowQuery(phone: tollFree, atEpochMillis: Self.utc("2026-05-01T12:00:00Z"), state: "FL"), policy: CallingPolicy(profile: .telemarketing))
        #expect(Set(located.locations.map(\.timeZone.identifier)) == ["America/Chicago", "America/New_York"])
        do {
            _ = try Self.windows.evaluate(CallingWindowQuery(phone: tollFree, atEpochMillis: 0, state: "ZZ"), policy: CallingPolicy(profile: .baseline))
            Issue.record("ZZ was accepted")
        } catch {
            #expect(error.code == .unknownState)
        }
    }
}

@Suite("Calling windows: properties")
struct CallingWindowsPropertyTests {
    static let windows = SampleRules.windows
    /// Numbers in every US zone, split area codes in each of their zones (listed exchanges) and
    /// unlisted exchanges, Rhode Island, Pennsylvania and Texas for their rules.
    static let numbers = [
        "2125550123", "3125550123", "3035550123", "6025550123", "4155550123", "9075550123", "8085550123",
        "8504341234", "8506441234", "8505550123", "2087651234", "2083341234", "5418811234", "5415550123", "4585550123",
        "7012271234", "7012551234", "6053421234", "6055550123", "4235550123", "8125550123", "9305550123", "9065550123",
        "9285550123", "9075550199", "4015550123", "2155550123", "2145550123", "7875550123",
    ]
    static let instants = Gen.int64(in: 1_767_225_600_000...2_082_758_400_000)  // 2026-2035

    @Test("nextAllowedAt is allowed, and no minute between at and it is; an allowed instant agrees with the plain computation")
    func nextAllowed() async {
        await propertyCheck(count: 400, input: Self.instants, Gen.element(of: Self.numbers), Gen.element(of: CallingProfile.allCases)) { at, text, profile in
            let policy = CallingPolicy(profile: profile!)
            let phone = try! PhoneNumber.parse(text!)
            let decision = try! Self.windows.evaluate(CallingWindowQuery(phone: phone, atEpochMillis: at), policy: policy)
            guard profile != .off else {
                #expect(decision.allowed)
                return
            }
            #expect(decision.allowed == plainAllowed(Self.windows, decision.locations, policy, at: at))
            guard !decision.allowed else {
                #expect(decision.nextAllowedAtEpochMillis == nil)
                return
            }
            guard let next = decision.nextAllowedAtEpochMillis else {
                Issue.record("no next allowed instant for \(text!) at \(at)")
                return
            }
            #expect(next > at)
            #expect(plainAllowed(Self.windows, decision.locations, policy, at: next))
            #expect(try! Self.windows.evaluate(CallingWindowQuery(phone: phone, atEpochMillis: next), policy: policy).allowed)
            var minute = (at / 60_000 + 1) * 60_000
            while minute < next {
                #expect(!plainAllowed(Self.windows, decision.locations, policy, at: minute), "\(text!) allowed at \(minute), before \(next)")
                minute += 60_000
            }
        }
    }

    @Test("Across every DST change of 2026-2030 in every US zone, the baseline window opens at 08:00 and closes at 21:00 local time",
          arguments: ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
                      "Pacific/Honolulu", "America/Boise", "America/Indiana/Indianapolis", "America/North_Dakota/Center", "America/Juneau", "America/Adak"])
    func daylightSaving(zoneName: String) throws {
        let zone = try #require(IANATimeZone.named(zoneName))
        let history = zone.history
        let changes = history.instants.filter { $0 >= 1_767_225_600 && $0 < 1_924_992_000 }
        for change in changes.isEmpty ? [1_773_000_000] : changes {
            for dayOffset: Int64 in [-1, 0, 1] {
                let local = zone.localDateTime(atEpochMillis: (change + dayOffset * 86_400) * 1000).local
                guard let opening = LocalDateTime(year: local.year, month: local.month, day: local.day, hour: 8),
                      let closing = LocalDateTime(year: local.year, month: local.month, day: local.day, hour: 21),
                      case .unique(let open) = zone.instants(of: opening), case .unique(let close) = zone.instants(of: closing) else {
                    Issue.record("08:00 or 21:00 is not a unique time in \(zoneName)")
                    continue
                }
                let query = { (at: Int64) in CallingWindowQuery(phone: nil, atEpochMillis: at, state: "NY", timeZone: zone) }
                let policy = CallingPolicy(profile: .baseline)
                #expect(try Self.windows.evaluate(query(open.epochMillis), policy: policy).allowed)
                #expect(try !Self.windows.evaluate(query(open.epochMillis - 1000), policy: policy).allowed)
                #expect(try Self.windows.evaluate(query(close.epochMillis - 1000), policy: policy).allowed)
                let closed = try Self.windows.evaluate(query(close.epochMillis), policy: policy)
                #expect(!closed.allowed)
                let nextLocal = try #require(closed.nextAllowedAtEpochMillis.map { zone.localDateTime(atEpochMillis: $0).local })
                #expect(nextLocal.hour == 8 && nextLocal.minute == 0 && nextLocal.second == 0)
            }
        }
    }

    @Test("Split area codes: a listed exchange has libphonenumber's zone, an unlisted one every zone of its area code (and the overlaid one's)",
          arguments: ["850", "208", "541", "458", "701", "605", "423", "812", "930", "906", "928", "907", "270", "364", "986"])
    func splitAreaCodes(areaCode: String) throws {
        let npa = Int(areaCode)!
        let entry = try #require(AreaCodeLocations.shared.areaCodes[npa - 200])
        #expect(Set(entry.zones.map(\.identifier)).count >= 2, "\(areaCode) spans one zone only")
        for exchange in 200...999 {
            guard let number = try? PhoneNumber.parse("\(areaCode)\(exchange)0123") else { continue }
            let zones = Set(AreaCodeLocations.shared.locations(of: number).map(\.timeZone.identifier))
            if entry.isListed(UInt32(exchange * 10_000 + 123)) {
                #expect(zones == Set(number.timeZones), "\(number.national)")
            } else {
                #expect(zones == Set(entry.zones.map(\.identifier)), "\(number.national)")
            }
        }
    }
}
