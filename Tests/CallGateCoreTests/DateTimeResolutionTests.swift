import Testing
@testable import CallGateCore

@Suite("Date-times resolve to epoch milliseconds")
struct DateTimeResolutionTests {
    @Test("Absolute forms give their instant, with or without a time zone", arguments: [
        (DateTimeInput.epochMillis(1_549_398_063_000), nil as String?, Int64(1_549_398_063_000)),
        (.text("1549398063000"), nil, 1_549_398_063_000),
        (.text(" 1549398063000 "), "ET", 1_549_398_063_000),
        (.text("0"), nil, 0),
        (.text("2026-03-08T07:30:00Z"), nil, 1_772_955_000_000),
        (.text("2026-03-08t07:30:00z"), nil, 1_772_955_000_000),
        (.text("2026-03-08T07:30Z"), nil, 1_772_955_000_000),
        (.text("2026-03-08 02:30:00.5-05:00"), nil, 1_772_955_000_500),
        (.text("2026-03-08T02:30:00.123456+0530"), nil, 1_772_917_200_123),
        (.text("2026-03-08T02:30:00,123+05:30"), nil, 1_772_917_200_123),
        (.text("2019-02-05T20:21:03-05"), nil, 1_549_416_063_000),
        // The zone only supplies the LiveVox code: a time inside New York's gap is fine with an offset.
        (.text("2026-03-08T02:30:00-05:00"), "America/New_York", 1_772_955_000_000),
        (.text("2100-12-31T23:59:59.999Z"), nil, 4_133_980_799_999),
        (.text("1970-01-01T00:00:00Z"), nil, 0),
    ])
    func absolute(at: DateTimeInput, zone: String?, expected: Int64) throws {
        let resolved = try ResolvedDateTime.resolve(at, timeZone: zone)
        #expect(resolved.epochMillis == expected)
        #expect(resolved.warnings.isEmpty)
        #expect(resolved.timeZone?.liveVox == zone.map { _ in LiveVoxTimeZone.ET })
    }

    @Test("Local date-times are placed by the zone's rules, across rule changes and centuries", arguments: [
        ("2026-03-08T09:30", "America/New_York", Int64(1_772_976_600_000)),
        ("2026-03-08T09:30:00", "ET", 1_772_976_600_000),
        ("2007-04-01T02:30", "America/Chicago", 1_175_412_600_000),
        ("2026-07-04T12:00", "America/Phoenix", 1_783_191_600_000),
        ("2026-06-01T08:00", "HST", 1_780_336_800_000),
        ("2005-10-30T01:30", "America/Indiana/Indianapolis", 1_130_653_800_000),
        ("1970-01-01T00:00", "America/New_York", 18_000_000),
        ("2100-12-31T18:59:59.999", "America/New_York", 4_133_980_799_999),
    ])
    func local(text: String, zone: String, expected: Int64) throws {
        let resolved = try ResolvedDateTime.resolve(.text(text), timeZone: zone)
        #expect(resolved.epochMillis == expected)
        #expect(!resolved.warnings.contains { $0.code == .ambiguousLocalTime })
    }

    @Test("A local time that occurs twice resolves to the earlier instant with a warning", arguments: [
        ("2026-11-01T01:30", "America/New_York", Int64(1_793_511_000_000)),
        ("2099-11-01T01:15", "America/Los_Angeles", 4_097_204_100_000),
        ("1975-10-26T01:00", "America/Denver", 183_538_800_000),
        ("2026-11-01T01:00", "AKST", 1_793_523_600_000),
        ("2006-10-29T01:30", "America/Indiana/Indianapolis", 1_162_099_800_000),
    ])
    func ambiguous(text: String, zone: String, expected: Int64) throws {
        let resolved = try ResolvedDateTime.resolve(.text(text), timeZone: zone)
        #expect(resolved.epochMillis == expected)
        #expect(resolved.warnings.map(\.code) == [.ambiguousLocalTime])
    }

    @Test("The ambiguity warning names the repeated hour and the instant chosen")
    func ambiguousDetail() throws {
        let resolved = try ResolvedDateTime.resolve(.text("2026-11-01T01:30"), timeZone: "ET")
        #expect(resolved.warnings == [TimeWarning(.ambiguousLocalTime, "2026-11-01T01:30 occurs twice in America/New_York: clocks fall back from 02:00 to 01:00; the earlier one, 2026-11-01T01:30:00.000-04:00, was used.")])
        #expect(resolved.utcISO8601 == "2026-11-01T05:30:00.000Z")
        #expect(resolved.localISO8601 == "2026-11-01T01:30:00.000-04:00")
    }

    @Test("A local time that the clocks skip is refused with the gap named", arguments: [
        ("2026-03-08T02:30", "America/New_York", "2026-03-08T02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00."),
        ("2026-03-08T02:00:00", "ET", "2026-03-08T02:00 does not exist in America/New_York: clocks jump from 02:00 to 03:00."),
        ("2026-03-08T02:59:59.999", "EDT", "2026-03-08T02:59:59.999 does not exist in America/New_York: clocks jump from 02:00 to 03:00."),
        ("1974-01-06T02:30", "America/New_York", "1974-01-06T02:30 does not exist in America/New_York: clocks jump from 02:00 to 03:00."),
        ("2006-04-02T02:30", "CT", "2006-04-02T02:30 does not exist in America/Chicago: clocks jump from 02:00 to 03:00."),
        ("2007-03-11T02:30", "America/Chicago", "2007-03-11T02:30 does not exist in America/Chicago: clocks jump from 02:00 to 03:00."),
        ("2099-03-08T02:15", "PT", "2099-03-08T02:15 does not exist in America/Los_Angeles: clocks jump from 02:00 to 03:00."),
    ])
    func nonexistent(text: String, zone: String, detail: String) {
        #expect(throws: DateTimeError(.nonexistentLocalTime, detail)) {
            try ResolvedDateTime.resolve(.text(text), timeZone: zone)
        }
    }

    @Test("Malformed and impossible date-times say which part is wrong", arguments: [
        ("2026-13-01T00:00", "'2026-13-01T00:00' is not a valid date-time: month 13 does not exist."),
        ("2026-00-01T00:00", "'2026-00-01T00:00' is not a valid date-time: month 0 does not exist."),
        ("2026-04-31T10:00", "'2026-04-31T10:00' is not a valid date-time: day 31 does not exist in April 2026."),
        ("2025-02-29T10:00", "'2025-02-29T10:00' is not a valid date-time: day 29 does not exist in February 2025."),
        ("2026-03-08T24:00", "'2026-03-08T24:00' is not a valid date-time: hour 24 does not exist (use 00:00 of the next day)."),
        ("2026-03-08T10:60", "'2026-03-08T10:60' is not a valid date-time: minute 60 does not exist."),
        ("2026-03-08T10:00:60Z", "'2026-03-08T10:00:60Z' is not a valid date-time: second 60 does not exist (leap seconds are not supported)."),
        ("2026-03-08T10:00+24:00", "'2026-03-08T10:00+24:00' is not a valid date-time: offset hour 24 does not exist."),
        ("2026-03-08", "'2026-03-08' is not a valid date-time: the time of day is missing."),
        ("tomorrow", "'tomorrow' is not a date-time; use epoch milliseconds or ISO 8601 such as 2026-03-08T09:30:00-05:00 or, with a time zone, 2026-03-08T09:30:00."),
        ("2026-03-08T10:00:00.Z", "'2026-03-08T10:00:00.Z' is not a date-time; use epoch milliseconds or ISO 8601 such as 2026-03-08T09:30:00-05:00 or, with a time zone, 2026-03-08T09:30:00."),
        ("1549398063000.5", "'1549398063000.5' is not a date-time; use epoch milliseconds or ISO 8601 such as 2026-03-08T09:30:00-05:00 or, with a time zone, 2026-03-08T09:30:00."),
    ])
    func invalid(text: String, detail: String) {
        #expect(throws: DateTimeError(.invalidDatetime, detail)) {
            try ResolvedDateTime.resolve(.text(text), timeZone: "ET")
        }
    }

    @Test("Every other refusal has its own code", arguments: [
        (DateTimeInput.text(""), "ET" as String?, DateTimeError.Code.empty),
        (.text("  "), nil, .empty),
        (.text("2026-03-08T09:30"), nil, .missingTimezone),
        (.text("2026-03-08T09:30"), "", .empty),
        (.text("2026-03-08T09:30"), "Mars/Base", .unknownTimezone),
        (.text("2026-03-08T09:30Z"), "Mars/Base", .unknownTimezone),
        (.epochMillis(0), "Europe/London", .unsupportedTimezone),
        (.epochMillis(-1), nil, .outOfRange),
        (.epochMillis(4_133_980_800_000), nil, .outOfRange),
        (.text("-1"), nil, .outOfRange),
        (.text("99999999999999999999999"), nil, .outOfRange),
        (.text("1969-12-31T23:59:59.999Z"), nil, .outOfRange),
        (.text("2101-01-01T00:00:00Z"), nil, .outOfRange),
        (.text("1970-01-01T00:00:00+01:00"), nil, .outOfRange),
        (.text("2100-12-31T20:00"), "ET", .outOfRange),
        (.text("0000-01-01T00:00Z"), nil, .outOfRange),
    ])
    func refusals(at: DateTimeInput, zone: String?, code: DateTimeError.Code) {
        #expect {
            try ResolvedDateTime.resolve(at, timeZone: zone)
        } throws: { error in
            (error as? DateTimeError)?.code == code
        }
    }

    @Test("An approximated zone's warning is carried into the date-time's warnings")
    func approximatedZoneWarning() throws {
        let resolved = try ResolvedDateTime.resolve(.text("2026-07-04T12:00"), timeZone: "America/Phoenix")
        #expect(resolved.timeZone?.liveVox == .MT)
        #expect(resolved.warnings.map(\.code) == [.timezoneApproximated])
        #expect(resolved.localISO8601 == "2026-07-04T12:00:00.000-07:00")
    }

    @Test("UTC output always has milliseconds and Z", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_772_955_000_500, "2026-03-08T07:30:00.500Z"),
        (4_133_980_799_999, "2100-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
    ])
    func utcFormat(millis: Int64, expected: String) throws {
        #expect(try ResolvedDateTime.resolve(.epochMillis(millis), timeZone: nil).utcISO8601 == expected)
    }

    @Test("LiveVox's offset-less local timestamps parse and format with the zone's offset")
    func liveVoxLocalTimestamps() throws {
        let local = try LocalDateTime.parse("2014-02-06T14:44:02.2")
        #expect(local == LocalDateTime(year: 2014, month: 2, day: 6, hour: 14, minute: 44, second: 2, millisecond: 200))
        #expect(local.iso8601 == "2014-02-06T14:44:02.200")
        let zone = try #require(IANATimeZone.named("America/New_York"))
        guard case .unique(let zoned) = zone.instants(of: local) else {
            Issue.record("expected one instant")
            return
        }
        #expect(zoned.iso8601 == "2014-02-06T14:44:02.200-05:00")
        #expect(zone.iso8601(atEpochMillis: zoned.epochMillis) == "2014-02-06T14:44:02.200-05:00")
        #expect(throws: DateTimeError.self) { try LocalDateTime.parse("2014-02-06T14:44:02Z") }
    }

    @Test("UTC offsets come from the IANA rules at the instant", arguments: [
        ("America/New_York", Int64(1_772_953_199), Int32(-18_000)),
        ("America/New_York", 1_772_953_200, -14_400),
        ("america/phoenix", 1_783_191_600, -25_200),
        ("Pacific/Honolulu", 0, -36_000),
        ("Asia/Kolkata", 1_772_953_200, 19_800),
        ("Europe/London", 1_783_191_600, 3_600),
    ])
    func offsets(zone: String, epochSeconds: Int64, offset: Int32) throws {
        #expect(try #require(IANATimeZone.named(zone)).utcOffsetSeconds(atEpochSeconds: epochSeconds) == offset)
    }

    @Test("A gap that swallows a whole day is reported with dates (Kiritimati skipped 1994-12-31)")
    func dayLongGap() throws {
        let zone = try #require(IANATimeZone.named("Pacific/Kiritimati"))
        let local = try #require(LocalDateTime(year: 1994, month: 12, day: 31, hour: 12))
        guard case .skipped(let transition) = zone.instants(of: local) else {
            Issue.record("expected a gap")
            return
        }
        #expect(transition.offsetBefore == -36_000)
        #expect(transition.offsetAfter == 50_400)
        #expect(transition.clockChange == "from 1994-12-31T00:00 to 1995-01-01T00:00")
    }
}
