import PropertyBased
import Testing
@testable import CallGateCore

@Suite("Time properties hold for random inputs")
struct TimePropertyTests {
    static let zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Havana",
                        "America/Santiago", "America/St_Johns", "Europe/Dublin", "Australia/Lord_Howe",
                        "Asia/Kolkata", "Pacific/Chatham", "America/Indiana/Knox", "America/Vancouver"]
    static let instants = Gen.int64(in: ResolvedDateTime.earliestEpochMillis...ResolvedDateTime.latestEpochMillis)

    @Test("An instant's wall-clock time in a zone resolves back to that instant")
    func wallClockRoundTrip() async throws {
        await propertyCheck(count: 2000, input: Self.instants, Gen.element(of: Self.zones)) { millis, name in
            let zone = IANATimeZone.named(name!)!
            let zoned = zone.localDateTime(atEpochMillis: millis)
            #expect(zoned.epochMillis == millis)
            switch zone.instants(of: zoned.local) {
            case .unique(let only):
                #expect(only.epochMillis == millis)
            case .repeated(let earlier, let later, _):
                #expect(earlier.epochMillis == millis || later.epochMillis == millis)
                #expect(earlier.epochMillis < later.epochMillis)
            case .skipped:
                Issue.record("\(zoned.iso8601) was reported as skipped in \(name!)")
            }
        }
    }

    @Test("UTC and zoned ISO 8601 output parse back to the same instant")
    func iso8601RoundTrip() async throws {
        await propertyCheck(count: 1000, input: Self.instants, Gen.element(of: Self.zones)) { millis, name in
            let utc = try ResolvedDateTime.resolve(.epochMillis(millis), timeZone: nil).utcISO8601
            #expect(try ResolvedDateTime.resolve(.text(utc), timeZone: nil).epochMillis == millis)
            let zoned = IANATimeZone.named(name!)!.iso8601(atEpochMillis: millis)
            #expect(try ResolvedDateTime.resolve(.text(zoned), timeZone: nil).epochMillis == millis)
            #expect(try ResolvedDateTime.resolve(.text(String(millis)), timeZone: nil).epochMillis == millis)
        }
    }

    @Test("Days since the epoch and calendar dates convert both ways")
    func civilCalendarRoundTrip() async {
        await propertyCheck(count: 1000, input: Gen.int64(in: -1_000_000...3_000_000)) { days in
            let date = CivilCalendar.date(days: days)
            #expect((1...CivilCalendar.daysInMonth(date.month, year: date.year)).contains(date.day))
            #expect(CivilCalendar.days(year: date.year, month: date.month, day: date.day) == days)
        }
    }

    @Test("Random text never crashes the parser: it resolves or throws a coded error")
    func randomTextNeverCrashes() async {
        let dateish = Gen.element(of: Array("0123456789-T: .,+-Zz")).map { $0! }.string(of: 0...30)
        await propertyCheck(count: 3000, input: dateish, Gen.latin1.string(of: 0...12)) { text, zone in
            for candidate in [text, "2026-03-08T" + text, "20" + text] {
                for timeZone in [nil, zone, "ET"] {
                    do throws(DateTimeError) {
                        let resolved = try ResolvedDateTime.resolve(.text(candidate), timeZone: timeZone)
                        #expect((ResolvedDateTime.earliestEpochMillis...ResolvedDateTime.latestEpochMillis).contains(resolved.epochMillis))
                    } catch {
                        #expect(!error.detail.isEmpty)
                    }
                }
            }
        }
    }

    @Test("Random epoch milliseconds are accepted exactly when they fall in 1970-2100")
    func epochRange() async {
        await propertyCheck(count: 1000, input: Gen.int64()) { millis in
            let accepted = (try? ResolvedDateTime.resolve(.epochMillis(millis), timeZone: nil)) != nil
            #expect(accepted == (0...ResolvedDateTime.latestEpochMillis).contains(millis))
        }
    }
}
