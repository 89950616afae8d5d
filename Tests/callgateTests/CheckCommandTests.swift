import Foundation
import Testing

@Suite("callgate check")
struct CheckCommandTests {
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("check phone reads stdin, writes one JSONL line per input line in order, and exits 1 when any is invalid")
    func phoneJSONL() async throws {
        let result = try await CLI.run(["check", "phone"], stdin: "(212) 555-0123\n1-800-FLOWERS\n\n12345\r\n+1 415 205 7483")
        #expect(result.status == 1)
        let lines = try jsonLines(result.stdout)
        #expect(lines.count == 5)
        #expect(lines.map { $0["input"] as? String } == ["(212) 555-0123", "1-800-FLOWERS", "", "12345", "+1 415 205 7483"])
        #expect(lines.map { $0["valid"] as? Bool } == [true, true, false, false, true])
        #expect(lines[0]["national"] as? String == "2125550123")
        #expect(lines[0]["e164"] as? String == "+12125550123")
        #expect(lines[0]["region"] as? String == "US")
        #expect(lines[0]["tollFree"] as? Bool == false)
        #expect(lines[0]["timeZones"] as? [String] == ["America/New_York"])
        #expect(lines[1]["national"] as? String == "8003569377")
        #expect(lines[1]["tollFree"] as? Bool == true)
        #expect(lines[1]["timeZones"] as? [String] == [])
        #expect((lines[2]["error"] as? [String: String])?["code"] == "empty")
        #expect((lines[3]["error"] as? [String: String])?["code"] == "too_short")
        #expect(lines[4]["national"] as? String == "4152057483")
    }

    @Test("check phone refuses a letter typed for a digit with contains_letters, naming the letter, and reads a vanity number")
    func phoneLetters() async throws {
        let result = try await CLI.run(["check", "phone", "4152O57483", "1-800-FLOWERS"], stdin: "")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "invalid  4152O57483  ->  contains_letters: \"4152O57483\" contains the letter \"O\" at position 5; a letter is not a digit. Keypad letters are read only in a vanity number of three letters or more, such as 1-800-FLOWERS.",
            "valid    1-800-FLOWERS  ->  +18003569377  national 8003569377  US  toll-free",
        ])
    }

    @Test("check phone exits 0 when every number is valid")
    func phoneAllValid() async throws {
        let result = try await CLI.run(["check", "phone"], stdin: "4152057483\n4086462133\n")
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 2)
    }

    @Test("check phone with arguments defaults to text")
    func phoneText() async throws {
        let result = try await CLI.run(["check", "phone", "415.205.7483", "call me"], stdin: "")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines[0] == "valid    415.205.7483  ->  +14152057483  national 4152057483  US  America/Los_Angeles")
        #expect(lines[1].hasPrefix("invalid  call me  ->  "))
    }

    @Test("check phone --format csv writes a header and quotes what needs quoting")
    func phoneCSV() async throws {
        let result = try await CLI.run(["check", "phone", "--format", "csv"], stdin: "4152057483\n415,205\n")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "input,valid,national,e164,region,tollFree,timeZones,errorCode,errorDetail")
        #expect(lines[1] == "4152057483,true,4152057483,+14152057483,US,false,America/Los_Angeles,,")
        #expect(lines[2].hasPrefix("\"415,205\",false,,,,,,"))
        #expect(lines.count == 4 && lines[3].isEmpty)
    }

    @Test("check phone --allowed-regions narrows the regions")
    func allowedRegions() async throws {
        let result = try await CLI.run(["check", "phone", "--allowed-regions", "CA", "--format", "jsonl", "4152057483", "6045550199"], stdin: "")
        let lines = try jsonLines(result.stdout)
        #expect((lines[0]["error"] as? [String: String])?["code"] == "unsupported_region")
        #expect(lines[1]["region"] as? String == "CA")
    }

    @Test("Usage errors exit 2 with a message on stderr", arguments: [
        ["check", "phone", "--format", "xml"],
        ["check", "phone", "--allowed-regions", "US,XX"],
        ["check", "nothing"],
    ])
    func usageErrors(arguments: [String]) async throws {
        let result = try await CLI.run(arguments, stdin: "")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    @Test("Invalid UTF-8 in the input is echoed repaired and refused, never crashing")
    func invalidUTF8() async throws {
        let result = try await CLI.run(["check", "phone"], stdin: Data([0x34, 0x31, 0x35, 0xFF, 0x0A]))
        #expect(result.status == 1)
        let lines = try jsonLines(result.stdout)
        #expect(lines[0]["input"] as? String == "415\u{FFFD}")
        #expect((lines[0]["error"] as? [String: String])?["code"] == "invalid_characters")
    }

    @Test("Output order matches input order on a large input")
    func largeInputOrder() async throws {
        let numbers = (0..<50_000).map { String(format: "415205%04d", $0 % 10_000) }
        let result = try await CLI.run(["check", "phone"], stdin: numbers.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        let national = result.stdout.split(separator: "\n").map { line -> Substring in
            let start = line.range(of: "\"national\":\"")!.upperBound
            return line[start..<line.index(start, offsetBy: 10)]
        }
        #expect(national.map(String.init) == numbers)
    }

    @Test("check time resolves each JSON object and refuses what it cannot read")
    func time() async throws {
        let input = """
            {"at": "2026-03-08T02:30", "timeZone": "ET"}
            {"at": "1549398063000"}
            {"at": 1549398063000, "timeZone": "America/Phoenix"}
            {"at": "2026-11-01T01:30", "timeZone": "America/Chicago"}
            not json
            {"timeZone": "ET"}
            {"at": 1.5}
            """
        let result = try await CLI.run(["check", "time"], stdin: input)
        #expect(result.status == 1)
        let lines = try jsonLines(result.stdout)
        #expect(lines.count == 7)
        #expect((lines[0]["error"] as? [String: String])?["code"] == "nonexistent_local_time")
        #expect(lines[1]["epochMillis"] as? Int == 1_549_398_063_000)
        #expect(lines[1]["utc"] as? String == "2019-02-05T20:21:03.000Z")
        #expect(lines[1]["liveVoxTimeZone"] is NSNull)
        #expect(lines[2]["liveVoxTimeZone"] as? String == "MT")
        #expect(lines[2]["ianaTimeZone"] as? String == "America/Phoenix")
        #expect((lines[2]["warnings"] as? [[String: String]])?.map { $0["code"] } == ["timezone_approximated"])
        // 01:30 CDT (UTC-5) is the earlier of the two 01:30s on 2026-11-01.
        #expect(lines[3]["epochMillis"] as? Int == 1_793_514_600_000)
        #expect((lines[3]["warnings"] as? [[String: String]])?.map { $0["code"] } == ["ambiguous_local_time"])
        #expect((lines[4]["error"] as? [String: String])?["code"] == "invalid_json")
        #expect((lines[5]["error"] as? [String: String])?["code"] == "missing_at")
        #expect((lines[6]["error"] as? [String: String])?["code"] == "invalid_at")
    }
}
