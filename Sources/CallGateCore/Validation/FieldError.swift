/// One refused field of a request body: where (a JSON Pointer, RFC 6901), why (a stable code) and
/// a sentence that says what would be accepted.
public struct FieldError: Sendable, Hashable, Codable {
    /// The JSON Pointer of the field in the request body, e.g. `/calls/3/phone`.
    public let pointer: String
    /// The stable code: a ``FieldError/Code`` or a domain code (`too_short`, `nonexistent_local_time`, ...).
    public let code: String
    /// What is wrong and what would be accepted.
    public let detail: String

    /// Creates a field error.
    public init(pointer: String, code: String, detail: String) {
        self.pointer = pointer
        self.code = code
        self.detail = detail
    }

    /// Codes for the shape of a body; the domains add their own (phone numbers, date-times, time zones).
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A required field is absent or null.
        case required
        /// A field the endpoint does not know (the `/v1` surface refuses them rather than drop them).
        case unknownField = "unknown_field"
        /// A field has the wrong JSON type.
        case wrongType = "wrong_type"
        /// A number outside its allowed range.
        case outOfRange = "out_of_range"
        /// A string longer than allowed, or empty where text is needed.
        case invalidLength = "invalid_length"
        /// A batch with no entries.
        case emptyBatch = "empty_batch"
        /// A batch with more entries than allowed.
        case batchTooLarge = "batch_too_large"
        /// A callback time that has already passed.
        case inThePast = "in_the_past"
    }

    /// The pointer of a member of the object at `pointer`, escaped as RFC 6901 says.
    public static func pointer(_ pointer: String, _ member: String) -> String {
        var escaped = ""
        for character in member {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return pointer + "/" + escaped
    }
}

/// Something the caller should know about an accepted field (a time zone approximated, ...).
public struct FieldWarning: Sendable, Hashable, Codable {
    /// The JSON Pointer of the field.
    public let pointer: String
    /// The stable warning code.
    public let code: String
    /// The sentence.
    public let detail: String

    /// Creates a warning.
    public init(pointer: String, code: String, detail: String) {
        self.pointer = pointer
        self.code = code
        self.detail = detail
    }
}

/// A refused request body: every field error found, in document order.
public struct ValidationFailure: Error, Sendable, Hashable {
    /// The errors; never empty.
    public let errors: [FieldError]

    /// Creates a failure.
    public init(errors: [FieldError]) { self.errors = errors }
}

/// A message about one place in a request body: a field error or a field warning.
public protocol BodyPointerMessage: Sendable {
    /// The JSON Pointer of the field.
    var pointer: String { get }
    /// The stable code.
    var code: String { get }
    /// The sentence.
    var detail: String { get }
}

extension FieldError: BodyPointerMessage {}
extension FieldWarning: BodyPointerMessage {}

extension JSONBytes {
    /// Appends `[{"pointer", "code", "detail"}, ...]`.
    public static func appendPointerMessages(_ messages: [some BodyPointerMessage], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, message) in messages.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendRaw("{\"pointer\":", to: &out)
            appendString(message.pointer, to: &out)
            appendRaw(",\"code\":", to: &out)
            appendString(message.code, to: &out)
            appendRaw(",\"detail\":", to: &out)
            appendString(message.detail, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Appends a string, or `null` for `nil`.
    public static func appendOptionalString(_ value: String?, to out: inout [UInt8]) {
        if let value { appendString(value, to: &out) } else { appendRaw("null", to: &out) }
    }
}
