import Testing
@testable import CallGateCore

@Suite("Time zone names resolve to a LiveVox code and an IANA zone")
struct TimeZoneResolutionTests {
    @Test("LiveVox codes, US abbreviations and IANA names are accepted case-insensitively", arguments: [
        ("ET", LiveVoxTimeZone.ET, "America/New_York"),
        ("ct", .CT, "America/Chicago"),
        (" Mt ", .MT, "America/Denver"),
        ("PT", .PT, "America/Los_Angeles"),
        ("AT", .AT, "America/Anchorage"),
        ("hi", .HI, "Pacific/Honolulu"),
        ("EST", .ET, "America/New_York"),
        ("edt", .ET, "America/New_York"),
        ("CST", .CT, "America/Chicago"),
        ("CDT", .CT, "America/Chicago"),
        ("MST", .MT, "America/Denver"),
        ("MDT", .MT, "America/Denver"),
        ("PST", .PT, "America/Los_Angeles"),
        ("pdt", .PT, "America/Los_Angeles"),
        ("AKST", .AT, "America/Anchorage"),
        ("akdt", .AT, "America/Anchorage"),
        ("HST", .HI, "Pacific/Honolulu"),
        ("America/New_York", .ET, "America/New_York"),
        ("america/new_york", .ET, "America/New_York"),
        ("America/Toronto", .ET, "America/Toronto"),
        ("America/Indiana/Indianapolis", .ET, "America/Indiana/Indianapolis"),
        ("America/Detroit", .ET, "America/Detroit"),
        ("US/Eastern", .ET, "US/Eastern"),
        ("EST5EDT", .ET, "EST5EDT"),
        ("US/Central", .CT, "US/Central"),
        ("America/Boise", .MT, "America/Boise"),
        ("America/Tijuana", .PT, "America/Tijuana"),
        ("America/Juneau", .AT, "America/Juneau"),
        ("America/Metlakatla", .AT, "America/Metlakatla"),
        ("US/Hawaii", .HI, "US/Hawaii"),
    ])
    func exact(name: String, code: LiveVoxTimeZone, iana: String) throws {
        let resolved = try ResolvedTimeZone.resolve(name)
        #expect(resolved.liveVox == code)
        #expect(resolved.ianaIdentifier == iana)
        #expect(resolved.warnings.isEmpty)
    }

    @Test("Zones with no exact code map to the code with the nearest standard offset, with a warning", arguments: [
        ("America/Phoenix", LiveVoxTimeZone.MT),
        ("America/Puerto_Rico", .ET),
        ("America/Regina", .CT),
        ("Pacific/Pago_Pago", .HI),
        ("America/Halifax", .ET),
        ("America/Havana", .ET),
        ("America/Mexico_City", .CT),
        ("America/Adak", .HI),
        ("Etc/GMT+5", .ET),
        ("America/Cancun", .ET),
        ("America/Bogota", .ET),
        // tzdata 2026f: Manitoba, Alberta and British Columbia keep summer time all year from 2026-11-01,
        // which IANA records as the next zone east's standard time.
        ("America/Winnipeg", .ET),
        ("America/Edmonton", .CT),
        ("America/Vancouver", .MT),
        ("America/Whitehorse", .MT),
    ])
    func approximated(name: String, code: LiveVoxTimeZone) throws {
        let resolved = try ResolvedTimeZone.resolve(name)
        #expect(resolved.liveVox == code)
        #expect(resolved.ianaIdentifier == name)
        #expect(resolved.warnings.map(\.code) == [.timezoneApproximated])
    }

    @Test("The approximation warning says what was substituted and how the clocks differ")
    func approximationDetail() throws {
        let phoenix = try ResolvedTimeZone.resolve("America/Phoenix")
        #expect(phoenix.warnings.first?.detail == "America/Phoenix (UTC-07:00 standard, no daylight saving time) has no exact LiveVox time zone and is sent as MT (America/Denver, UTC-07:00 standard, with daylight saving time); LiveVox's clock for it runs 0 to 1 hour ahead of the real one, depending on the date.")
        let puertoRico = try ResolvedTimeZone.resolve("America/Puerto_Rico")
        #expect(puertoRico.warnings.first?.detail == "America/Puerto_Rico (UTC-04:00 standard, no daylight saving time) has no exact LiveVox time zone and is sent as ET (America/New_York, UTC-05:00 standard, with daylight saving time); LiveVox's clock for it runs 0 to 1 hour behind the real one, depending on the date.")
        let pagoPago = try ResolvedTimeZone.resolve("Pacific/Pago_Pago")
        #expect(pagoPago.warnings.first?.detail == "Pacific/Pago_Pago (UTC-11:00 standard, no daylight saving time) has no exact LiveVox time zone and is sent as HI (Pacific/Honolulu, UTC-10:00 standard, no daylight saving time); LiveVox's clock for it always runs 1 hour ahead of the real one.")
    }

    @Test("Zones with no code within one hour of their standard offset are refused", arguments: [
        ("Europe/London", "Europe/London (standard time UTC+00:00) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00."),
        ("Pacific/Guam", "Pacific/Guam (standard time UTC+10:00) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00."),
        ("UTC", "UTC (standard time UTC+00:00) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00."),
        ("America/St_Johns", "America/St_Johns (standard time UTC-03:30) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00."),
        ("America/Sao_Paulo", "America/Sao_Paulo (standard time UTC-03:00) has no LiveVox time zone within one hour of its standard offset; LiveVox supports ET, CT, MT, PT, AT (Alaska) and HI, from UTC-05:00 to UTC-10:00."),
    ])
    func unsupported(name: String, detail: String) {
        #expect(throws: TimeZoneError(.unsupportedTimezone, detail)) { try ResolvedTimeZone.resolve(name) }
    }

    @Test("Empty and unknown names are refused with their own codes", arguments: [
        ("", TimeZoneError.Code.empty),
        ("   ", .empty),
        ("Mars/Olympus_Mons", .unknownTimezone),
        ("Eastern", .unknownTimezone),
        ("GU", .unknownTimezone),
        ("America/New York", .unknownTimezone),
    ])
    func refused(name: String, code: TimeZoneError.Code) {
        #expect {
            try ResolvedTimeZone.resolve(name)
        } throws: { error in
            (error as? TimeZoneError)?.code == code
        }
    }

    @Test("Unknown names are quoted in one sentence that says what is accepted")
    func unknownDetail() {
        #expect(throws: TimeZoneError(.unknownTimezone, "'Eastern' is not a time zone; use a LiveVox code (ET, CT, MT, PT, AT, HI), a US abbreviation such as EST, or an IANA name such as America/Chicago.")) {
            try ResolvedTimeZone.resolve("Eastern")
        }
    }

    @Test("Every zone name the database knows resolves or is refused as unsupported, never as unknown")
    func everyZoneIsKnown() {
        let identifiers = IANATimeZone.allIdentifiers
        #expect(identifiers.count == 598)
        for identifier in identifiers {
            do {
                _ = try ResolvedTimeZone.resolve(identifier)
            } catch {
                #expect(error.code == .unsupportedTimezone, "\(identifier)")
            }
        }
    }

    @Test("The tables record the IANA release they were generated from")
    func databaseVersion() {
        #expect(IANATimeZone.databaseVersion == "2026f")
    }
}
