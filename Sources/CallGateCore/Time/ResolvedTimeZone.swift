/// A time zone as a caller named it, resolved to the LiveVox code that LiveVox is sent and the IANA
/// zone whose rules place local times.
///
/// Accepted, case-insensitively, after trimming spaces:
/// - a LiveVox code (`ET`, `CT`, `MT`, `PT`, `AT` = Alaska, `HI`): that code and its zone;
/// - a US abbreviation (`EST`/`EDT`, `CST`/`CDT`, `MST`/`MDT`, `PST`/`PDT`, `AKST`/`AKDT`, `HST`): its
///   region's code and zone, daylight saving rules included;
/// - an IANA name, placed by the rules below.
///
/// The comparison uses the **current rules**: from January 1 of the year after the IANA release of the
/// tables (2027 for 2026f) through 2100, so rule changes already enacted count as settled.
/// An IANA zone is **exact** for a code when its UTC offset equals the code zone's at every instant of
/// that era: America/Toronto and America/Indiana/Indianapolis are exactly ET. Otherwise the
/// **nearest** code is the one whose standard offset under the current rules is closest to the
/// zone's (ties: the code whose daylight saving observance matches, then ET, CT, MT, PT, AT, HI
/// order), if within one hour; it comes with the
/// warning `timezone_approximated` (America/Phoenix → MT, America/Puerto_Rico → ET, America/Regina →
/// CT, Pacific/Pago_Pago → HI). A zone with no code within one hour is refused with
/// `unsupported_timezone` (Europe/London, Pacific/Guam). The IANA zone kept is always the one named,
/// so local times are placed by the caller's real clocks; only LiveVox is sent the approximation.
public struct ResolvedTimeZone: Sendable, Hashable {
    /// The code LiveVox is sent.
    public let liveVox: LiveVoxTimeZone
    /// The IANA zone that places local times, spelled as the database does.
    public let ianaIdentifier: String
    /// `timezone_approximated` when the LiveVox code only approximates the zone.
    public let warnings: [TimeWarning]

    /// The IANA zone that places local times.
    public var zone: IANATimeZone {
        guard let zone = IANATimeZone.named(ianaIdentifier) else {
            preconditionFailure("\(ianaIdentifier) is missing from the generated tables")
        }
        return zone
    }

    /// Resolves a LiveVox code, US abbreviation or IANA name (see the type's documentation).
    public static func resolve(_ name: String) throws(TimeZoneError) -> ResolvedTimeZone {
        let trimmed = TimeFormat.trimmed(name)
        if trimmed.isEmpty {
            throw TimeZoneError(.empty, "The time zone is empty; use a LiveVox code (ET, CT, MT, PT, AT, HI), a US abbreviation such as EST, or an IANA name such as America/Chicago.")
        }
        let upper = trimmed.uppercased()
        if let code = LiveVoxTimeZone(rawValue: upper) ?? LiveVoxTimeZone.abbreviations[upper] {
            return ResolvedTimeZone(liveVox: code, ianaIdentifier: code.ianaIdentifier, warnings: [])
        }
        guard let zone = IANATimeZone.named(trimmed), let match = matches[zone.identifier] else {
            throw TimeZoneError(.unknownTimezone, "\(DateTimeError.quoted(trimmed)) is not a time zone; use a LiveVox code (ET, CT, MT, PT, AT, HI), a US abbreviation such as EST, or an IANA name such as America/Chicago.")
        }
        return try match.get()
    }

    /// The match of every IANA zone, computed once on first use (a few milliseconds).
    private static let matches: [String: Result<ResolvedTimeZone, TimeZoneError>] = {
        var matches: [String: Result<ResolvedTimeZone, TimeZoneError>] = [:]
        for identifier in IANATimeZone.allIdentifiers {
            guard let zone = IANATimeZone.named(identifier) else { continue }
            matches[identifier] = Result { () throws(TimeZoneError) in try match(zone) }
        }
        return matches
    }()

    /// The exact or nearest LiveVox code for an IANA zone, by the rules in the type's documentation.
    static func match(_ zone: IANATimeZone) throws(TimeZoneError) -> ResolvedTimeZone {
        if let exact = LiveVoxTimeZone.allCases.first(where: { CurrentEra.difference(zone, $0.zone) == 0...0 }) {
            return ResolvedTimeZone(liveVox: exact, ianaIdentifier: zone.identifier, warnings: [])
        }
        let observesDST = CurrentEra.observesDaylightSaving(zone)
        let distance = { (code: LiveVoxTimeZone) in abs(Int(zone.standardOffsetSeconds) - Int(code.zone.standardOffsetSeconds)) }
        let ranked = LiveVoxTimeZone.allCases.enumerated().min { lhs, rhs in
            let left = (distance(lhs.element), CurrentEra.observesDaylightSaving(lhs.element.zone) == observesDST ? 0 : 1, lhs.offset)
            let right = (distance(rhs.element), CurrentEra.observesDaylightSaving(rhs.element.zone) == observesDST ? 0 : 1, rhs.offset)
            return left < right
        }
        guard let nearest = ranked?.element, distance(nearest) <= 3600 else {
            throw TimeZoneError(.unsupportedTimezone, "\(zone.identifier) (standard time UTC\(TimeFormat.offset(zone.standardOffsetSeconds))) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00.")
        }
        return ResolvedTimeZone(liveVox: nearest, ianaIdentifier: zone.identifier,
                                warnings: [TimeWarning(.timezoneApproximated, approximationDetail(zone, nearest))])
    }

    /// E.g. "America/Phoenix (UTC-07:00, no daylight saving time) has no exact LiveVox time zone and
    /// is sent as MT (America/Denver, UTC-07:00 with daylight saving time); LiveVox's clock for it
    /// runs 0 to 1 hour ahead of the real one, depending on the date."
    private static func approximationDetail(_ zone: IANATimeZone, _ code: LiveVoxTimeZone) -> String {
        func describe(_ zone: IANATimeZone) -> String {
            let dst = CurrentEra.observesDaylightSaving(zone) ? "with daylight saving time" : "no daylight saving time"
            return "UTC\(TimeFormat.offset(zone.standardOffsetSeconds)) standard, \(dst)"
        }
        let range = CurrentEra.difference(code.zone, zone)
        let how: String
        if range.lowerBound == range.upperBound {
            how = "always runs \(duration(abs(range.lowerBound))) \(range.lowerBound > 0 ? "ahead of" : "behind") the real one"
        } else if range.lowerBound >= 0 {
            how = "runs \(range.lowerBound == 0 ? "0" : duration(range.lowerBound)) to \(duration(range.upperBound)) ahead of the real one, depending on the date"
        } else if range.upperBound <= 0 {
            how = "runs \(range.upperBound == 0 ? "0" : duration(-range.upperBound)) to \(duration(-range.lowerBound)) behind the real one, depending on the date"
        } else {
            how = "runs between \(duration(-range.lowerBound)) behind and \(duration(range.upperBound)) ahead of the real one, depending on the date"
        }
        return "\(zone.identifier) (\(describe(zone))) has no exact LiveVox time zone and is sent as \(code.rawValue) (\(code.ianaIdentifier), \(describe(code.zone))); LiveVox's clock for it \(how)."
    }

    /// "1 hour", "30 minutes", "1 hour 30 minutes".
    private static func duration(_ seconds: Int) -> String {
        let hours = seconds / 3600
        let minutes = seconds % 3600 / 60
        var parts: [String] = []
        if hours > 0 { parts.append(hours == 1 ? "1 hour" : "\(hours) hours") }
        if minutes > 0 || hours == 0 { parts.append(minutes == 1 ? "1 minute" : "\(minutes) minutes") }
        return parts.joined(separator: " ")
    }
}

/// The era of the current rules, from January 1 of the year after the tables' IANA release to
/// 2101-01-01T00:00Z, over which zones are compared.
enum CurrentEra {
    static let start: Int64 = TimeZoneTables.currentRulesFrom
    static let end: Int64 = 4_133_980_800

    /// Whether the zone's offset changes at all within the era.
    static func observesDaylightSaving(_ zone: IANATimeZone) -> Bool {
        let history = zone.history
        let index = history.firstChange(after: start)
        return index < history.instants.count && history.instants[index] < end
    }

    /// The range of `offset(a) - offset(b)` in seconds over the era.
    static func difference(_ a: IANATimeZone, _ b: IANATimeZone) -> ClosedRange<Int> {
        let historyA = a.history
        let historyB = b.history
        var instants = [start]
        for history in [historyA, historyB] {
            var index = history.firstChange(after: start)
            while index < history.instants.count, history.instants[index] < end {
                instants.append(history.instants[index])
                index += 1
            }
        }
        let differences = instants.map { Int(historyA.offset(at: $0)) - Int(historyB.offset(at: $0)) }
        return differences.min()!...differences.max()!
    }
}

extension TimeFormat {
    /// The text without leading and trailing spaces, tabs and line breaks.
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(text[first...last])
    }
}
