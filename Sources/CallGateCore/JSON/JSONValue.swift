/// A parsed JSON document that keeps what validation needs and `Codable` loses: integers exactly
/// (64-bit, not through `Double`), the order of keys, and duplicate keys (which are refused).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(key: String, value: JSONValue)])

    /// The JSON type name used in refusals ("expected a string, got an array").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let values): hasher.combine(values)
        case .object(let members):
            for member in members {
                hasher.combine(member.key)
                hasher.combine(member.value)
            }
        }
    }
}

/// Why a body is not JSON, or is JSON beyond the parser's limits: what was wrong and where
/// (1-based line and column, counted in characters).
public struct MalformedJSON: Error, Sendable, Hashable {
    /// What was found instead of what was expected.
    public let reason: String
    /// The line of the problem, from 1.
    public let line: Int
    /// The column of the problem, from 1.
    public let column: Int
    /// The limit the document went past, when it is well-formed as far as it was read.
    public private(set) var limit: Limit?

    /// A limit of ``JSONParser/Limits`` that a document went past.
    public enum Limit: Sendable, Hashable {
        /// The array at `pointer` (a JSON Pointer) holds more than `maximum` elements.
        case arrayLength(pointer: String, maximum: Int)
        /// The document holds more than `maximum` values.
        case values(Int)
    }

    /// Creates an error.
    public init(reason: String, line: Int, column: Int, limit: Limit? = nil) {
        self.reason = reason
        self.line = line
        self.column = column
        self.limit = limit
    }

    /// A sentence for a problem document.
    public var detail: String {
        switch limit {
        case nil: "The body is not valid JSON: \(reason) at line \(line), column \(column)."
        case .values(let maximum): "The body holds more than \(maximum) JSON values; send at most \(maximum)."
        case .arrayLength(let pointer, let maximum):
            "\(pointer.isEmpty ? "The body" : "The array at '\(pointer)'") holds more than \(maximum) elements; send at most \(maximum)."
        }
    }

    /// This error, raised inside the member or element at `pointer` of an enclosing container:
    /// the pointer of an over-long array is built as the error leaves each container, so that
    /// parsing keeps no path while it succeeds.
    func within(_ pointer: String) -> MalformedJSON {
        guard case .arrayLength(let inner, let maximum) = limit else { return self }
        var outer = self
        outer.limit = .arrayLength(pointer: pointer + inner, maximum: maximum)
        return outer
    }
}
