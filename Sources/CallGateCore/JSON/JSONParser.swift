/// A strict RFC 8259 parser over UTF-8 bytes that reports the line and column of the first error,
/// refuses duplicate keys, and bounds nesting so that no input can exhaust the stack.
///
/// Containers grow as their members arrive, never ahead of them, so that the memory a document
/// costs follows its size; ``Limits`` bound what a hostile caller's document may hold.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// What one document may hold; past a limit, parsing stops at once with ``MalformedJSON/limit`` set.
    public struct Limits: Sendable, Hashable {
        /// The most elements one array may hold.
        public var maxArrayLength: Int
        /// The most values (scalars, arrays and objects, at any depth) the document may hold.
        public var maxValues: Int

        /// Creates limits.
        public init(maxArrayLength: Int, maxValues: Int) {
            self.maxArrayLength = maxArrayLength
            self.maxValues = maxValues
        }

        /// No limit but the nesting depth: for documents from a trusted peer (LiveVox, the store).
        public static let none = Limits(maxArrayLength: .max, maxValues: .max)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let limits: Limits
    private var index = 0
    private var depth = 0
    private var valueCount = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Parses one JSON document (surrounding white space allowed, nothing else) within `limits`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits = .none) throws(MalformedJSON) -> JSONValue {
        var parser = JSONParser(bytes: bytes, limits: limits)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < bytes.count { throw parser.error("unexpected \(parser.describeCurrent()) after the document") }
        return value
    }

    /// Parses one JSON document from a byte array within `limits`.
    public static func parse(_ bytes: [UInt8], limits: Limits = .none) throws(MalformedJSON) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(MalformedJSON) in try parse(buffer, limits: limits) }
        }
    }

    /// Parses one JSON document from a string within `limits`.
    public static func parse(_ text: String, limits: Limits = .none) throws(MalformedJSON) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }

    private mutating func parseValue() throws(MalformedJSON) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        valueCount += 1
        if valueCount > limits.maxValues {
            throw error("more than \(limits.maxValues) values", limit: .values(limits.maxValues))
        }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func enter() throws(MalformedJSON) {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseObject() throws(MalformedJSON) -> JSONValue {
        try enter()
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        // Duplicate names are found by a scan while objects are small, by a set past that.
        var keys = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a member name in double quotes")
            }
            let keyStart = index
            let key = try parseString()
            let isDuplicate: Bool
            if members.count < 16 {
                isDuplicate = members.contains { $0.key == key }
            } else {
                if keys.isEmpty { keys = Set(members.map(\.key)) }
                isDuplicate = !keys.insert(key).inserted
            }
            guard !isDuplicate else {
                index = keyStart
                throw error("duplicate member name \"\(key)\"")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()), expected ':' after a member name")
            }
            index += 1
            skipWhitespace()
            let value: JSONValue
            do {
                value = try parseValue()
            } catch {
                throw error.within(FieldIssue.pointer("", key))
            }
            members.append((key, value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or '}'")
        }
        depth -= 1
        return .object(members)
    }

    private mutating func parseArray() throws(MalformedJSON) -> JSONValue {
        try enter()
        index += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            if values.count == limits.maxArrayLength {
                throw error("an array of more than \(limits.maxArrayLength) elements",
                            limit: .arrayLength(pointer: "", maximum: limits.maxArrayLength))
            }
            let value: JSONValue
            do {
                value = try parseValue()
            } catch {
                throw error.within("/\(values.count)")
            }
            values.append(value)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw error("unexpected \(describeCurrent()), expected ',' or ']'")
        }
        depth -= 1
        return .array(values)
    }

    private mutating func parseString() throws(MalformedJSON) -> String {
        index += 1
        var scalars: [UInt8] = []
        var escaped = false
        var start = index
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if !escaped {
                    // No escape: the string is the bytes between the quotes, validated in place.
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    guard let text else { throw error("a string that is not valid UTF-8") }
                    return text
                }
                scalars.append(contentsOf: bytes[start..<index])
                index += 1
                break
            }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                scalars.append(contentsOf: bytes[start..<index])
                try parseEscape(into: &scalars)
                start = index
                continue
            }
            index += 1
        }
        guard let text = String(validating: scalars, as: UTF8.self) else {
            throw error("a string that is not valid UTF-8")
        }
        return text
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(MalformedJSON) {
        index += 1
        guard index < bytes.count else { throw error("unterminated escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a lone UTF-16 surrogate in a \\u escape")
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("a lone UTF-16 surrogate in a \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("a lone UTF-16 surrogate in a \\u escape")
            }
            out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            index -= 1
            throw error("invalid escape sequence '\\\(describeByte(byte))'")
        }
    }

    private mutating func parseHex4() throws(MalformedJSON) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw error("unterminated \\u escape") }
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("a \\u escape needs 4 hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(MalformedJSON) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("a number needs digits") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("a number with a leading zero") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("a number needs digits after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("a number needs digits in its exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if isInteger, let value = Self.integer(UnsafeBufferPointer(rebasing: bytes[start..<index])) { return .integer(value) }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            index = start
            throw error("a number too large to represent")
        }
        return .number(value)
    }

    /// The value of an integer's digits (after an optional minus sign, as `parseNumber` checked
    /// them), read without making a string; nil when it does not fit in 64 bits.
    static func integer(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = digits[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var value: Int64 = 0
        while index < digits.count {
            let digit = Int64(digits[index] &- UInt8(ascii: "0"))
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            // Accumulated towards the sign, so that Int64.min fits.
            let (next, carried) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflowed || carried { return nil }
            value = next
            index += 1
        }
        return value
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(MalformedJSON) {
        let count = literal.utf8CodeUnitCount
        let matches = index + count <= bytes.count && literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw error("unexpected \(describeCurrent()), expected a value") }
        index += count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func describeCurrent() -> String {
        index < bytes.count ? "'\(describeByte(bytes[index]))'" : "end of input"
    }

    private func describeByte(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }

    /// The error at the current position, with its line and column (columns count characters).
    private func error(_ reason: String, limit: MalformedJSON.Limit? = nil) -> MalformedJSON {
        var line = 1
        var lineStart = 0
        let end = min(index, bytes.count)
        for position in 0..<end where bytes[position] == 0x0A {
            line += 1
            lineStart = position + 1
        }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
        return MalformedJSON(reason: reason, line: line, column: column, limit: limit)
    }
}
