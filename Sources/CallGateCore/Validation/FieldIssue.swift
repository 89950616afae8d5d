/// Something about one field of a request body: where (a JSON Pointer, RFC 6901), what (a stable
/// code) and a sentence. The same shape serves a refusal (an error: what would be accepted) and a
/// note on an accepted field (a warning: a time zone approximated, ...).
public struct FieldIssue: Sendable, Hashable {
    /// The JSON Pointer of the field in the request body, e.g. `/calls/3/phone`.
    public let pointer: String
    /// The stable code: a ``FieldIssue/Code`` or a domain code (`too_short`, `timezone_approximated`, ...).
    public let code: String
    /// What is wrong and what would be accepted, or what was substituted.
    public let detail: String
    /// For a call outside its calling window: the rules that refuse it and when it could start.
    public let window: CallingWindowRefusal?

    /// Creates a field issue.
    public init(pointer: String, code: String, detail: String, window: CallingWindowRefusal? = nil) {
        self.pointer = pointer
        self.code = code
        self.detail = detail
        self.window = window
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
        /// A text field that takes a few named values holds another.
        case unknownValue = "unknown_value"
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

extension JSONBytes {
    /// Appends `[{"pointer", "code", "detail"}, ...]`, with `blockedBy` and `nextAllowedAt` on a
    /// call refused for its calling window.
    public static func appendPointerMessages(_ issues: [FieldIssue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, issue) in issues.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendRaw("{\"pointer\":", to: &out)
            appendString(issue.pointer, to: &out)
            appendRaw(",\"code\":", to: &out)
            appendString(issue.code, to: &out)
            appendRaw(",\"detail\":", to: &out)
            appendString(issue.detail, to: &out)
            if let window = issue.window {
                out.append(UInt8(ascii: ","))
                appendWindowRefusal(window.blockedBy, nextAllowedAt: window.nextAllowedAtEpochMillis, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
    }
}
