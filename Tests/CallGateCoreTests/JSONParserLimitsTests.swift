import Testing

@testable import CallGateCore

/// What a hostile document can cost the parser: containers sized by what they hold, and limits
/// that stop the parse as soon as they are passed.
@Suite("JSON parser limits")
struct JSONParserLimitsTests {
    static let limits = JSONParser.Limits(maxArrayLength: 3, maxValues: 20)

    @Test("An empty object reserves no room: a body of empty objects costs what it holds")
    func emptyObjectsReserveNothing() throws {
        let text = "[" + Array(repeating: "{}", count: 1000).joined(separator: ",") + "]"
        guard case .array(let elements) = try JSONParser.parse(text) else { Issue.record("not an array"); return }
        #expect(elements.count == 1000)
        let capacities = elements.map { element -> Int in
            guard case .object(let members) = element else { return -1 }
            return members.capacity
        }
        #expect(capacities.allSatisfy { $0 == 0 })
    }

    @Test("An object reserves no more room than its members need")
    func smallObjectsStaySmall() throws {
        guard case .object(let members) = try JSONParser.parse(#"{"a": 1}"#) else { Issue.record("not an object"); return }
        #expect(members.count == 1)
        #expect(members.capacity < 8)
    }

    @Test("Arrays up to the limit and documents up to the value count parse", arguments: [
        "[1, 2, 3]",
        #"{"calls": [{}, {}, {}]}"#,
        "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]",
        "[[], [], []]",
    ])
    func withinLimits(text: String) throws {
        #expect(try JSONParser.parse(text, limits: Self.limits) == JSONParser.parse(text))
    }

    @Test("An array past the limit is refused where it is, with the JSON Pointer of the array", arguments: [
        ("[1, 2, 3, 4]", "", "The body holds more than 3 elements; send at most 3."),
        (#"{"calls": [{}, {}, {}, {}]}"#, "/calls", "The array at '/calls' holds more than 3 elements; send at most 3."),
        (#"{"a": [0, {"b/~": [[], [], [], []]}]}"#, "/a/1/b~1~0", "The array at '/a/1/b~1~0' holds more than 3 elements; send at most 3."),
        ("[[1], [1, 2, 3, 4]]", "/1", "The array at '/1' holds more than 3 elements; send at most 3."),
    ])
    func arrayPastLimit(text: String, pointer: String, detail: String) {
        do throws(MalformedJSON) {
            _ = try JSONParser.parse(text, limits: Self.limits)
            Issue.record("parsed")
        } catch {
            #expect(error.limit == .arrayLength(pointer: pointer, maximum: 3))
            #expect(error.detail == detail)
        }
    }

    @Test("The parse stops at the first element past the limit: what follows is never read")
    func stopsAtTheLimit() {
        // Malformed after the fourth element: only a parser that reads on would call it malformed.
        do throws(MalformedJSON) {
            _ = try JSONParser.parse("[1, 2, 3, 4, this is not JSON", limits: Self.limits)
            Issue.record("parsed")
        } catch {
            #expect(error.limit == .arrayLength(pointer: "", maximum: 3))
            #expect(error.line == 1 && error.column == 11)
        }
    }

    @Test("A document of more values than the limit is refused, however they nest")
    func valuesPastLimit() {
        // 21 values: the root object, one array per member, and their elements.
        let text = #"{"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3], "d": [1, 2, 3], "e": [{}, {}, {}]}"#
        do throws(MalformedJSON) {
            _ = try JSONParser.parse(text, limits: Self.limits)
            Issue.record("parsed")
        } catch {
            #expect(error.limit == .values(20))
            #expect(error.detail == "The body holds more than 20 JSON values; send at most 20.")
        }
        // Exactly 20 values parse.
        #expect(throws: Never.self) {
            try JSONParser.parse(#"{"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3], "d": [1, 2, 3], "e": [{}, {}]}"#, limits: Self.limits)
        }
    }

    @Test("A malformed document is malformed whatever the limits, and names no limit")
    func malformedIsNoLimit() {
        do throws(MalformedJSON) {
            _ = try JSONParser.parse(#"{"calls": [1,]}"#, limits: Self.limits)
            Issue.record("parsed")
        } catch {
            #expect(error.limit == nil)
            #expect(error.detail == "The body is not valid JSON: unexpected ']', expected a value at line 1, column 14.")
        }
    }

    @Test("Without limits, arrays and documents of any size parse")
    func noLimits() throws {
        let text = "[" + Array(repeating: "[]", count: 5000).joined(separator: ",") + "]"
        guard case .array(let elements) = try JSONParser.parse(text) else { Issue.record("not an array"); return }
        #expect(elements.count == 5000)
    }
}
