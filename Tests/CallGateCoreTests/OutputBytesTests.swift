import Testing

@testable import CallGateCore

@Suite("JSON and CSV byte writers")
struct OutputBytesTests {
    func json(_ string: String) -> String {
        var out: [UInt8] = []
        JSONBytes.appendString(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test("Strings are escaped as JSON requires", arguments: [
        ("plain", #""plain""#),
        ("quote \" and \\ backslash", #""quote \" and \\ backslash""#),
        ("line\nbreak\ttab\r", #""line\nbreak\ttab\r""#),
        ("\u{01}\u{1F}\u{7F}", #""\u0001\u001f\u007f""#),
        ("é ☎", "\"é ☎\""),
    ])
    func escaping(input: String, expected: String) {
        #expect(json(input) == expected)
    }

    @Test("Integers are written in decimal", arguments: [Int64(0), 7, -42, Int64.max, Int64.min, 1_549_398_063_000])
    func integers(value: Int64) {
        var out: [UInt8] = []
        JSONBytes.appendInteger(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }

    @Test("CSV fields are quoted only when needed", arguments: [
        ("plain", "plain"), ("a,b", #""a,b""#), (#"say "hi""#, #""say ""hi""""#), ("two\nlines", "\"two\nlines\""),
    ])
    func csv(input: String, expected: String) {
        var out: [UInt8] = []
        CSVBytes.appendField(input, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("Invalid UTF-8 is repaired before it is echoed")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x41, 0xFF, 0x42]
        let repaired = bytes.withUnsafeBufferPointer { $0.withValidUTF8 { String(decoding: $0, as: UTF8.self) } }
        #expect(repaired == "A\u{FFFD}B")
    }
}
