/// Which rules a check uses: the profile and, for its state rules, the confidence wanted.
public struct CallingPolicy: Sendable, Hashable {
    /// The profile.
    public let profile: CallingProfile
    /// Whether secondary rules count.
    public let confidence: ConfidenceFilter

    /// Creates a policy.
    public init(profile: CallingProfile, confidence: ConfidenceFilter = .all) {
        self.profile = profile
        self.confidence = confidence
    }
}

/// One call to check: the number, when it would start, how long the window must stay open, and
/// where the caller knows the party to be.
public struct CallingWindowQuery: Sendable {
    /// The number to call; nil when only the caller's location is known.
    public let phone: PhoneNumber?
    /// When the call would start, in milliseconds since the epoch.
    public let atEpochMillis: Int64
    /// How long the window must stay open after `at`, in seconds (a launch's dialing timeout).
    public let durationSeconds: Int64
    /// A state, district, territory or province code the caller gives (`FL`, `ON`).
    public let state: String?
    /// The zone the caller gives for that state.
    public let timeZone: IANATimeZone?
    /// The kind of call; LiveVox's manual calls are `live`.
    public let callType: CallType

    /// Creates a query.
    public init(phone: PhoneNumber?, atEpochMillis: Int64, durationSeconds: Int64 = 0, state: String? = nil,
                timeZone: IANATimeZone? = nil, callType: CallType = .live) {
        self.phone = phone
        self.atEpochMillis = atEpochMillis
        self.durationSeconds = durationSeconds
        self.state = state
        self.timeZone = timeZone
        self.callType = callType
    }
}

/// The answer for one call.
public struct CallingWindowDecision: Sendable, Hashable {
    /// Whether the call may start at `at` and the window stays open for the duration.
    public let allowed: Bool
    /// The profile checked.
    public let profile: CallingProfile
    /// The instant checked, in milliseconds since the epoch.
    public let atEpochMillis: Int64
    /// Every possible location of the party.
    public let locations: [CallingLocation]
    /// The rules that refuse the call, each once, in rule-file order; empty when allowed.
    public let blockedBy: [CallingRule]
    /// The earliest instant at or after `at` at which the call would be allowed; nil when allowed,
    /// and nil as well when no such instant lies within `CallingWindows.horizonDays` days.
    public let nextAllowedAtEpochMillis: Int64?
}

/// Why a call may not start now, as a refusal names it: the rules that refuse it and the earliest
/// instant it could start (nil when none lies within `CallingWindows.horizonDays`).
public struct CallingWindowRefusal: Sendable, Hashable {
    /// The rules that refuse the call, in rule-file order.
    public let blockedBy: [CallingRule]
    /// The earliest instant at which it would be allowed, in milliseconds since the epoch.
    public let nextAllowedAtEpochMillis: Int64?

    /// Creates a refusal.
    public init(blockedBy: [CallingRule], nextAllowedAtEpochMillis: Int64?) {
        self.blockedBy = blockedBy
        self.nextAllowedAtEpochMillis = nextAllowedAtEpochMillis
    }
}

/// Why a call could not be checked at all.
public struct CallingWindowError: CodedError {
    /// The stable codes.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Neither the number nor the caller says where the party is (toll-free, non-geographic).
        case locationUnknown = "location_unknown"
        /// The caller's state is not a US or Canadian code.
        case unknownState = "unknown_state"
        /// The duration is negative or longer than a day.
        case invalidDuration = "invalid_duration"
    }

    /// The stable code.
    public let code: Code
    /// The sentence.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// The calling-window rules compiled for checking: the one door through which a check, the launch
/// stage or a callback asks whether a call may start.
///
/// A call is allowed only when it is allowed at every possible location under every rule of the
/// profile that applies there (the strictest overlap). A rule applies at a location when the
/// profile lists it, it covers the call type, its confidence is wanted and its jurisdiction holds
/// the location; it binds from its effective date (local) on. Windows are local wall-clock times:
/// a call may start at the window's start and must start before its end, and with a duration the
/// window must stay open until `at + duration`.
public struct CallingWindows: Sendable {
    /// How far `nextAllowedAt` is searched: two weeks covers every weekly pattern in the data plus a
    /// run of holidays; past it the decision says not allowed with no next instant.
    public static let horizonDays: Int64 = 14
    /// The longest duration accepted (a day).
    public static let maximumDurationSeconds: Int64 = 86_400

    /// The rule data.
    public let ruleSet: CallingRuleSet
    private let compiled: [CompiledRule]
    private let locations: AreaCodeLocations

    /// Compiles a rule set: each rule's excluded days are computed once for 1969-2101.
    public init(ruleSet: CallingRuleSet, locations: AreaCodeLocations = .shared) {
        self.ruleSet = ruleSet
        self.locations = locations
        compiled = ruleSet.rules.enumerated().map { index, rule in
            var excluded = Set(rule.excludedDates.map(\.daysSinceEpoch))
            for calendar in rule.holidayCalendars {
                excluded.formUnion(ruleSet.holidayDays(calendar: calendar, years: 1969...2101))
            }
            return CompiledRule(rule: rule, index: index, excluded: excluded, effectiveDay: rule.effective?.daysSinceEpoch,
                                profiles: CompiledRule.mask(rule.profiles), callTypes: CompiledRule.mask(rule.callTypes))
        }
    }

    /// Every possible location of a query's party: the number's, and the caller's.
    public func locations(of query: CallingWindowQuery) throws(CallingWindowError) -> [CallingLocation] {
        var result = query.phone.map(locations.locations(of:)) ?? []
        if let state = query.state {
            guard let given = locations.locations(state: state, timeZone: query.timeZone) else {
                throw CallingWindowError(.unknownState, "\"\(state)\" is not a US state, district or territory code, or a Canadian province code (e.g. FL, DC, PR, ON).")
            }
            for location in given where !result.contains(location) { result.append(location) }
        }
        return result
    }

    /// Decides whether the query's call may start, and if not, which rules refuse it and when it could.
    public func evaluate(_ query: CallingWindowQuery, policy: CallingPolicy) throws(CallingWindowError) -> CallingWindowDecision {
        guard query.durationSeconds >= 0, query.durationSeconds <= Self.maximumDurationSeconds else {
            throw CallingWindowError(.invalidDuration, "The duration must be 0 to \(Self.maximumDurationSeconds) seconds; got \(query.durationSeconds).")
        }
        let locations = try self.locations(of: query)
        guard policy.profile != .off else {
            return CallingWindowDecision(allowed: true, profile: .off, atEpochMillis: query.atEpochMillis, locations: locations,
                                         blockedBy: [], nextAllowedAtEpochMillis: nil)
        }
        guard !locations.isEmpty else {
            throw CallingWindowError(.locationUnknown, "The number is toll-free or not geographic, so where the called party is cannot be known; give the party's state.")
        }
        var pairs: [(rule: CompiledRule, zone: ZoneClock)] = []
        for location in locations {
            let clock = ZoneClock(location.timeZone)
            for rule in compiled where rule.applies(to: location, policy: policy, callType: query.callType) {
                pairs.append((rule, clock))
            }
        }
        let at = query.atEpochMillis
        let duration = query.durationSeconds * 1000
        // Rule indices in file order, each once however many locations it blocks at.
        var blocked: [Int] = []
        for pair in pairs where pair.rule.earliestStart(from: at, duration: duration, zone: pair.zone, until: at) != at {
            if !blocked.contains(pair.rule.index) { blocked.append(pair.rule.index) }
        }
        guard !blocked.isEmpty else {
            return CallingWindowDecision(allowed: true, profile: policy.profile, atEpochMillis: at, locations: locations,
                                         blockedBy: [], nextAllowedAtEpochMillis: nil)
        }
        // The earliest instant every pair allows: each pair's earliest start is monotone in its
        // argument, so raising the candidate to the latest of them until all agree finds it.
        let horizon = at + Self.horizonDays * 86_400_000
        var candidate = at
        var next: Int64?
        search: while candidate <= horizon {
            var agreed = true
            for pair in pairs {
                guard let start = pair.rule.earliestStart(from: candidate, duration: duration, zone: pair.zone, until: horizon) else {
                    break search
                }
                if start != candidate {
                    candidate = start
                    agreed = false
                }
            }
            if agreed {
                next = candidate
                break
            }
        }
        let blockedBy = blocked.sorted().map { ruleSet.rules[$0] }
        return CallingWindowDecision(allowed: false, profile: policy.profile, atEpochMillis: at, locations: locations,
                                     blockedBy: blockedBy, nextAllowedAtEpochMillis: next)
    }

    /// The rules of a policy that apply at a location to a call type, in file order.
    public func rules(for policy: CallingPolicy, at location: CallingLocation, callType: CallType = .live) -> [CallingRule] {
        compiled.filter { $0.applies(to: location, policy: policy, callType: callType) }.map(\.rule)
    }
}

/// A rule with its excluded days computed. A class: each check copies rules into its list of
/// (rule, zone) pairs, and a struct this size costs a dozen retains per copy.
private final class CompiledRule: Sendable {
    let rule: CallingRule
    /// The rule's place in the file.
    let index: Int
    let excluded: Set<Int64>
    let effectiveDay: Int64?
    /// The rule's profiles and call types as bits: every check of every
    /// line asks them of every rule, so they are not hashed each time.
    let profiles: UInt8
    let callTypes: UInt8

    init(rule: CallingRule, index: Int, excluded: Set<Int64>, effectiveDay: Int64?, profiles: UInt8, callTypes: UInt8) {
        self.rule = rule
        self.index = index
        self.excluded = excluded
        self.effectiveDay = effectiveDay
        self.profiles = profiles
        self.callTypes = callTypes
    }

    static func mask(_ profiles: Set<CallingProfile>) -> UInt8 { profiles.reduce(0) { $0 | bit($1) } }
    static func mask(_ types: Set<CallType>) -> UInt8 { types.reduce(0) { $0 | bit($1) } }

    static func bit(_ profile: CallingProfile) -> UInt8 {
        switch profile {
        case .baseline: 1
        case .telemarketing: 2
        case .collections: 4
        case .off: 8
        }
    }

    static func bit(_ type: CallType) -> UInt8 {
        switch type {
        case .live: 1
        case .autodialed: 2
        case .prerecorded: 4
        }
    }

    func applies(to location: CallingLocation, policy: CallingPolicy, callType: CallType) -> Bool {
        profiles & Self.bit(policy.profile) != 0 && callTypes & Self.bit(callType) != 0
            && (policy.confidence == .all || rule.confidence == .confirmed)
            && rule.jurisdiction.contains(location)
    }

    /// The windows of a local day.
    func windows(onDay day: Int64) -> [DailyWindow] {
        if let effectiveDay, day < effectiveDay { return [Self.wholeDay] }
        if excluded.contains(day) { return rule.holidayWindows }
        return rule.windows[Weekday(daysSinceEpoch: day).rawValue]
    }

    static let wholeDay = DailyWindow(startMinute: 0, endMinute: 1440)!

    /// The earliest instant `s >= from` (milliseconds) at which this rule lets a call start in `zone`
    /// and stays open until `s + duration`; nil when there is none up to `until`.
    func earliestStart(from: Int64, duration: Int64, zone: ZoneClock, until: Int64) -> Int64? {
        // Windows that touch (24:00 and the next day's 00:00) form one open stretch; a stretch
        // only grows, so the first one that fits is the answer.
        var open: (start: Int64, end: Int64)?
        let lastDay = zone.localDay(atEpochMillis: until) + 1
        var day = zone.localDay(atEpochMillis: from)
        while day <= lastDay {
            for window in windows(onDay: day) {
                let start = zone.instantMillis(localDay: day, minute: window.startMinute, later: true)
                let end = zone.instantMillis(localDay: day, minute: window.endMinute, later: false)
                guard end > start, end > from else { continue }
                if let current = open, start <= current.end {
                    open = (current.start, max(current.end, end))
                } else {
                    if start > until { return nil }
                    open = (start, end)
                }
                if let current = open, let found = Self.fit(current, from: from, duration: duration, until: until) { return found }
            }
            day += 1
        }
        return nil
    }

    private static func fit(_ interval: (start: Int64, end: Int64), from: Int64, duration: Int64, until: Int64) -> Int64? {
        let start = max(from, interval.start)
        guard start < interval.end, start + duration <= interval.end, start <= until else { return nil }
        return start
    }
}

/// A zone's clock for rule windows: local days and the instants of local wall times. A class, for
/// the same reason as `CompiledRule`: it is shared by every pair of its location.
final class ZoneClock: Sendable {
    let zone: IANATimeZone
    let history: TimeZoneTables.OffsetHistory

    init(_ zone: IANATimeZone) {
        self.zone = zone
        self.history = zone.history
    }

    /// The local day (counted from 1970-01-01) at an instant.
    func localDay(atEpochMillis millis: Int64) -> Int64 {
        let seconds = CivilCalendar.floorDivide(millis, 1000).quotient
        return CivilCalendar.floorDivide(seconds + Int64(history.offset(at: seconds)), 86_400).quotient
    }

    /// The instant (milliseconds) at which the local clock shows `minute` of `localDay`. A time the
    /// clocks skip maps to the change itself; a time they show twice maps to the later instant when
    /// `later` (a window opening) and to the earlier otherwise (a window closing), so that a window
    /// is never wider than its wall-clock hours.
    func instantMillis(localDay: Int64, minute: Int, later: Bool) -> Int64 {
        let wall = localDay * 86_400 + Int64(minute) * 60
        let before = history.offset(at: wall - 2 * 86_400)
        if history.firstChange(after: wall - 2 * 86_400) == history.firstChange(after: wall + 2 * 86_400) {
            return (wall - Int64(before)) * 1000
        }
        let day = CivilDate(daysSinceEpoch: localDay + Int64(minute / 1440))
        let minuteOfDay = minute % 1440
        guard let local = LocalDateTime(year: day.year, month: day.month, day: day.day, hour: minuteOfDay / 60, minute: minuteOfDay % 60) else {
            preconditionFailure("invalid local time")
        }
        switch zone.instants(of: local) {
        case .unique(let zoned): return zoned.epochMillis
        case .repeated(let earlier, let latest, _): return later ? latest.epochMillis : earlier.epochMillis
        case .skipped(let transition): return transition.epochSeconds * 1000
        }
    }
}
