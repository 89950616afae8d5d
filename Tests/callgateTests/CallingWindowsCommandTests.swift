import CallingRulesYAML
import CallGateCore
import Foundation
import Testing

/// The committed rules file, read from the source tree.
let rulesFilePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("rules/calling-windows.yaml").path

@Suite("callgate rules")
struct RulesCommandTests {
    @Test("rules check accepts the committed file and names its counts")
    func checkCommitted() async throws {
        let rules = try CallingRulesFile.parse(String(contentsOfFile: rulesFilePath, encoding: .utf8))
        let secondary = rules.rules.filter { $0.confidence == .secondary }.count
        let result = try await CLI.run(["rules", "check", rulesFilePath], stdin: "")
        #expect(result.status == 0)
        #expect(result.stdout == "\(rulesFilePath): valid: \(rules.rules.count) rules (\(rules.rules.count - secondary) confirmed, \(secondary) secondary), \(rules.calendars.count) holiday calendars\n")
    }

    @Test("The embedded rules are the committed file's")
    func embeddedIsCommitted() throws {
        #expect(CallingRulesDocument.text == (try String(contentsOfFile: rulesFilePath, encoding: .utf8)))
        #expect(CallingRulesFile.builtIn == (try CallingRulesFile.parse(CallingRulesDocument.text)))
    }

    @Test("rules check names every problem with its line: unknown fields, bad windows, unknown calendars, duplicate ids")
    func checkBroken() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            calendars:
              - name: X
                confidence: secondary
                source: test
                days:
                  - {name: Day, date: "13-40"}
            rules:
              - id: A
                jurisdiction: US-FL
                profiles: [telemarketing]
                callTypes: [live]
                windows: {daily: "21:00-08:00"}
                citation: c
                confidence: confirmed
                effective: null
                colour: red
              - id: A
                jurisdiction: US-ZZ
                profiles: [telemarketing]
                callTypes: [live]
                windows: {monday-friday: "09:00-18:00"}
                excludedDays: {holidays: [NOPE]}
                citation: c
                confidence: sure
                effective: 2024-02-30
              - id: B
                jurisdiction: US-TX
                profiles: [telemarketing]
                callTypes: [live]
                windows: {daily: "09:00-21:00"}
                excludedDays: {holidays: [NOPE]}
                citation: c
                confidence: secondary
                effective: null
              - id: B
                jurisdiction: US-TX
                profiles: [telemarketing]
                callTypes: [live]
                windows: {daily: "09:00-21:00"}
                citation: c
                confidence: secondary
                effective: null
            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["rules", "check", file.path], stdin: "")
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let path = file.path
        #expect(result.stderr.split(separator: "\n").map(String.init) == [
            "\(path):line 6: calendar \"X\" day \"Day\": date \"13-40\" is neither MM-DD nor YYYY-MM-DD",
            "\(path):line 16: a rule: unknown field \"colour\"; known fields: id, jurisdiction, profiles, callTypes, windows, citation, confidence, effective, excludedDays, holidayWindows, note",
            "\(path):line 12: rule \"A\" windows daily: \"21:00-08:00\" is not a window HH:MM-HH:MM with a start before its end (24:00 ends the day), or none",
            "\(path):line 18: rule \"A\": jurisdiction \"US-ZZ\" is not any, US, CA, US-XX or CA-XX with a known state or province code",
            "\(path):line 21: rule \"A\": windows do not say saturday, sunday; give a window or none for every weekday",
            "\(path):line 24: rule \"A\": confidence must be confirmed or secondary, not \"sure\"",
            "\(path):line 25: rule \"A\" effective: \"2024-02-30\" is not a date YYYY-MM-DD",
        ])
        // Once the structure is sound, the cross-references are checked.
        let structural = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "13-40", with: "12-24")
            .replacingOccurrences(of: "21:00-08:00", with: "08:00-21:00")
            .replacingOccurrences(of: "    colour: red\n", with: "")
            .replacingOccurrences(of: "US-ZZ", with: "US-FL")
            .replacingOccurrences(of: "{monday-friday: \"09:00-18:00\"}", with: "{monday-friday: \"09:00-18:00\", saturday-sunday: none}")
            .replacingOccurrences(of: "sure", with: "confirmed")
            .replacingOccurrences(of: "2024-02-30", with: "2024-02-29")
        try structural.write(to: file, atomically: true, encoding: .utf8)
        let second = try await CLI.run(["rules", "check", file.path], stdin: "")
        #expect(second.status == 1)
        #expect(second.stderr.split(separator: "\n").map(String.init) == [
            "\(path):line 16: duplicate rule id \"A\" (first defined on line 8)",
            "\(path):line 16: rule \"A\" names unknown holiday calendar \"NOPE\"; known: X",
            "\(path):line 25: rule \"B\" names unknown holiday calendar \"NOPE\"; known: X",
            "\(path):line 34: duplicate rule id \"B\" (first defined on line 25)",
        ])
    }

    @Test("rules check refuses text that is not YAML, with its line")
    func checkNotYAML() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "calendars: []\nrules: [\n  {id: A\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["rules", "check", file.path], stdin: "")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(file.path):line 4: not valid YAML: "))
        let missing = try await CLI.run(["rules", "check", "/nonexistent/rules.yaml"], stdin: "")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("Cannot read /nonexistent/rules.yaml: No such file or directory."))
    }

    @Test("rules holidays prints a calendar's days, observed days included")
    func holidays() async throws {
        let result = try await CLI.run(["rules", "holidays", "US-federal", "--from", "2027", "--to", "2027"], stdin: "")
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-06-19", "2027-07-04", "2027-07-05",
            "2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-25", "2027-12-31",
        ])
        let unknown = try await CLI.run(["rules", "holidays", "US-XX", "--from", "2027", "--to", "2027"], stdin: "")
        #expect(unknown.status == 2)
    }
}

@Suite("callgate check window")
struct WindowCheckCommandTests {
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("JSON lines in input order: allowed, refused with its rules and next instant, and errors per line")
    func jsonl() async throws {
        let input = """
            (212) 555-0123
            850 434 1234,2026-05-02T01:30:00Z
            1-800-FLOWERS
            call me
            4155550123,yesterday
            """
        let result = try await CLI.run(["check", "window", "--at", "2026-05-01T16:00:00Z"], stdin: input)
        #expect(result.status == 1)
        let lines = try jsonLines(result.stdout)
        #expect(lines.count == 5)
        #expect(lines.map { $0["input"] as? String } == ["(212) 555-0123", "850 434 1234,2026-05-02T01:30:00Z", "1-800-FLOWERS", "call me", "4155550123,yesterday"])
        #expect(lines.map { $0["allowed"] as? Bool } == [true, false, false, false, false])
        #expect(lines[0]["profile"] as? String == "telemarketing")
        #expect(lines[0]["at"] as? String == "2026-05-01T16:00:00Z")
        #expect(lines[0]["locations"] as? [[String: String]] == [["state": "NY", "timeZone": "America/New_York", "localTime": "2026-05-01T12:00:00-04:00"]])
        #expect(lines[0]["blockedBy"] as? [Any] != nil && (lines[0]["blockedBy"] as? [Any])!.isEmpty)
        #expect(lines[0]["nextAllowedAt"] is NSNull)
        #expect(lines[0]["error"] == nil)
        // 850-434 is Pensacola (Central): 20:30 local, after Florida's 20:00 close, within the federal 21:00.
        #expect(lines[1]["at"] as? String == "2026-05-02T01:30:00Z")
        #expect(lines[1]["locations"] as? [[String: String]] == [["state": "FL", "timeZone": "America/Chicago", "localTime": "2026-05-01T20:30:00-05:00"]])
        #expect(lines[1]["blockedBy"] as? [[String: String]] == [["rule": "US-FL-solicitation", "jurisdiction": "US-FL", "citation": "Fla. Stat. § 501.616(6)(a)-(b)"]])
        #expect(lines[1]["nextAllowedAt"] as? String == "2026-05-02T13:00:00Z")
        #expect(lines[2]["error"] as? [String: String] == ["code": "location_unknown", "detail": "The number is toll-free or not geographic, so where the called party is cannot be known; give the party's state."])
        #expect((lines[3]["error"] as? [String: String])?["code"] == "no_digits")
        #expect((lines[4]["error"] as? [String: String])?["code"] == "invalid_datetime")
        #expect(lines[4]["at"] is NSNull)
    }
}
