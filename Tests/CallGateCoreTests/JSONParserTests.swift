import Testing

@testable import CallGateCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("Documents parse with exact integers, key order and escapes")
    func parses() throws {
        let value = try JSONParser.parse(#" {"b": [1, -2, 9223372036854775807, 1.5, 2e3], "a": {"s": "x\"\u00e9\ud83d\ude00\n"}, "n": null, "t": true, "f": false} "#)
        #expect(value == .object([
            ("b", .array([.integer(1), .integer(-2), .integer(Int64.max), .number(1.5), .number(2000)])),
            ("a", .object([("s", .string("x\"é😀\n"))])),
            ("n", .null), ("t", .bool(true)), ("f", .bool(false)),
        ]))
        #expect(value["a"]?["s"] == .string("x\"é😀\n"))
    }

    @Test("An integer beyond 64 bits becomes a double rather than wrapping")
    func bigInteger() throws {
        #expect(try JSONParser.parse("92233720368547758080") == .number(92_233_720_368_547_758_080))
    }

    @Test("Integers are exact up to both ends of 64 bits, and doubles one step past them", arguments: [
        ("0", JSONValue.integer(0)),
        ("-0", .integer(0)),
        ("7", .integer(7)),
        ("-42", .integer(-42)),
        ("9223372036854775807", .integer(Int64.max)),
        ("-9223372036854775808", .integer(Int64.min)),
        // One past each end: the nearest double, 2^63 either way.
        ("9223372036854775808", .number(0x1p63)),
        ("-9223372036854775809", .number(-0x1p63)),
        ("10.0", .number(10)),
    ] as [(String, JSONValue)])
    func integerBounds(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("Malformed documents name what is wrong, with line and column", arguments: [
        ("", "unexpected end of input, expected a value", 1, 1),
        ("{\"a\": 1,}", "unexpected '}', expected a member name in double quotes", 1, 9),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", "unexpected '\"', expected ',' or '}'", 3, 3),
        ("[1 2]", "unexpected '2', expected ',' or ']'", 1, 4),
        ("{\"a\": 1, \"a\": 2}", "duplicate member name \"a\"", 1, 10),
        ("\"é\u{01}\"", "unescaped control character in a string", 1, 3),
        ("01", "a number with a leading zero", 1, 2),
        ("[1.]", "a number needs digits after '.'", 1, 4),
        ("tru", "unexpected 't', expected a value", 1, 1),
        ("{} x", "unexpected 'x' after the document", 1, 4),
        ("\"\\q\"", "invalid escape sequence '\\q'", 1, 3),
        ("\"\\ud800\"", "a lone UTF-16 surrogate in a \\u escape", 1, 8),
        ("1e999", "a number too large to represent", 1, 1),
    ])
    func malformed(text: String, reason: String, line: Int, column: Int) {
        #expect(throws: MalformedJSON(reason: reason, line: line, column: column)) {
            try JSONParser.parse(text)
        }
    }

    @Test("Nesting is bounded, so a hostile body cannot exhaust the stack")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: MalformedJSON(reason: "nesting deeper than 64 levels", line: 1, column: 65)) {
            try JSONParser.parse(deep)
        }
    }

    @Test("Invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: MalformedJSON(reason: "a string that is not valid UTF-8", line: 1, column: 4)) {
            try JSONParser.parse([0x22, 0xFF, 0x22])
        }
    }

    @Test("Random bytes never crash the parser")
    func randomBytes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]\":,-0123456789.eE+tfnrul\\ \n\u{01}".utf8) + [0xC3, 0xA9, 0xFF]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            _ = try? JSONParser.parse(bytes)
        }
    }
}
