/// A zone of the IANA time zone database (as generated into `TimeZoneTables`), with its UTC offset at
/// any instant from 1970 to 2100.
public struct IANATimeZone: Sendable, Hashable {
    /// The name as the IANA database spells it, e.g. `America/New_York`.
    public let identifier: String
    /// The standard (non-daylight) UTC offset in seconds, as of 2026.
    public let standardOffsetSeconds: Int32
    let historyIndex: Int

    /// The zone with this IANA name, compared case-insensitively; `nil` for a name the database lacks.
    public static func named(_ name: String) -> IANATimeZone? {
        guard let zone = TimeZoneTables.decoded.zonesByLowercasedName[name.lowercased()] else { return nil }
        return IANATimeZone(identifier: zone.identifier, standardOffsetSeconds: zone.standardOffset, historyIndex: zone.history)
    }

    /// Every zone name the tables know, sorted.
    public static var allIdentifiers: [String] {
        TimeZoneTables.decoded.zonesByLowercasedName.values.map(\.identifier).sorted()
    }

    /// The IANA release the tables come from, e.g. `2026f`.
    public static var databaseVersion: String { TimeZoneTables.ianaVersion }

    var history: TimeZoneTables.OffsetHistory { TimeZoneTables.decoded.histories[historyIndex] }

    /// The UTC offset in seconds (east positive) at an instant; exact for 1970-2100.
    public func utcOffsetSeconds(atEpochSeconds epochSeconds: Int64) -> Int32 {
        history.offset(at: epochSeconds)
    }

    /// The wall-clock time and offset this zone shows at an instant.
    public func localDateTime(atEpochMillis epochMillis: Int64) -> ZonedDateTime {
        let offset = utcOffsetSeconds(atEpochSeconds: CivilCalendar.floorDivide(epochMillis, 1000).quotient)
        return ZonedDateTime(local: LocalDateTime(epochMillis: epochMillis, offsetSeconds: offset), utcOffsetSeconds: offset)
    }

    /// ISO 8601 with this zone's offset at the instant, e.g. `2026-03-08T03:30:00.000-04:00`.
    public func iso8601(atEpochMillis epochMillis: Int64) -> String {
        localDateTime(atEpochMillis: epochMillis).iso8601
    }

    /// The instants at which this zone's clocks show `local`: one, two (clocks fell back) or none
    /// (clocks jumped over it).
    public func instants(of local: LocalDateTime) -> LocalTimeResolution {
        let wall = local.secondsAsIfUTC
        let history = self.history
        // Every offset in effect within two days of the wall time is a candidate; real offsets are
        // far below a day, so the true instant `wall - offset` lies inside this window.
        let windowStart = wall - 2 * 86_400
        let windowEnd = wall + 2 * 86_400
        var candidates = [history.offset(at: windowStart)]
        var index = history.firstChange(after: windowStart)
        var changes: [Int] = []
        while index < history.instants.count, history.instants[index] <= windowEnd {
            candidates.append(history.offsets[index])
            changes.append(index)
            index += 1
        }
        var matches: [ZonedDateTime] = []
        for offset in Set(candidates) where history.offset(at: wall - Int64(offset)) == offset {
            matches.append(ZonedDateTime(local: local, utcOffsetSeconds: offset))
        }
        matches.sort { $0.epochMillis < $1.epochMillis }
        switch matches.count {
        case 1:
            return .unique(matches[0])
        case 0:
            for change in changes {
                let before = Int64(history.offset(before: change))
                let after = Int64(history.offsets[change])
                let instant = history.instants[change]
                if instant + before <= wall, wall < instant + after {
                    return .skipped(Transition(zone: self, epochSeconds: instant, offsetBefore: Int32(before), offsetAfter: Int32(after)))
                }
            }
            preconditionFailure("no match and no gap for \(local.iso8601) in \(identifier)")
        default:
            let earlier = matches[0]
            let later = matches[matches.count - 1]
            let instant = history.instants[history.firstChange(after: CivilCalendar.floorDivide(earlier.epochMillis, 1000).quotient)]
            return .repeated(earlier: earlier, later: later,
                             Transition(zone: self, epochSeconds: instant, offsetBefore: earlier.utcOffsetSeconds, offsetAfter: later.utcOffsetSeconds))
        }
    }
}

/// A change of a zone's UTC offset.
public struct Transition: Sendable, Hashable {
    /// The zone whose clocks change.
    public let zone: IANATimeZone
    /// The instant of the change, in seconds since the epoch.
    public let epochSeconds: Int64
    /// The offset before the change, in seconds.
    public let offsetBefore: Int32
    /// The offset from the change on, in seconds.
    public let offsetAfter: Int32

    /// The wall time just before the change, e.g. 02:00 on a spring-forward night.
    public var localBefore: LocalDateTime { LocalDateTime(epochMillis: epochSeconds * 1000, offsetSeconds: offsetBefore) }
    /// The wall time at the change, e.g. 03:00 on a spring-forward night.
    public var localAfter: LocalDateTime { LocalDateTime(epochMillis: epochSeconds * 1000, offsetSeconds: offsetAfter) }

    /// "from 02:00 to 03:00", with dates when the change crosses midnight.
    var clockChange: String {
        let before = localBefore
        let after = localAfter
        let sameDay = (before.year, before.month, before.day) == (after.year, after.month, after.day)
        return sameDay
            ? "from \(before.clockDescription) to \(after.clockDescription)"
            : "from \(before.shortDescription) to \(after.shortDescription)"
    }
}

/// Where a wall-clock time falls in a zone.
public enum LocalTimeResolution: Sendable, Hashable {
    /// The time occurs exactly once.
    case unique(ZonedDateTime)
    /// The time occurs twice because clocks fell back at the transition.
    case repeated(earlier: ZonedDateTime, later: ZonedDateTime, Transition)
    /// The time never occurs because clocks jumped over it at the transition.
    case skipped(Transition)
}
