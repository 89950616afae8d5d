/// Reads the members of one JSON object, collecting a ``FieldIssue`` for every problem instead of
/// stopping at the first, so that a caller fixes a whole request in one round trip.
struct ObjectReader {
    let members: [(key: String, value: JSONValue)]
    let pointer: String

    /// Starts reading `value` at `pointer`; records `wrong_type` and returns nil when it is not an object.
    init?(_ value: JSONValue, at pointer: String, errors: inout FieldIssues) {
        guard case .object(let members) = value else {
            errors.append(FieldIssue.Code.wrongType.rawValue, at: pointer,
                "Expected an object, got \(value.typeName).")
            return nil
        }
        self.members = members
        self.pointer = pointer
    }

    func pointer(_ key: String) -> String { FieldIssue.pointer(pointer, key) }

    /// The member's value; null counts as absent.
    func value(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    /// Records `unknown_field` for every member not in `allowed`.
    func refuseUnknown(allowed: [String], errors: inout FieldIssues) {
        for member in members where !allowed.contains(member.key) {
            errors.append(FieldIssue.Code.unknownField.rawValue, at: pointer(member.key),
                "Unknown field '\(member.key)'; the fields are: \(allowed.joined(separator: ", ")).")
        }
    }

    func required(_ key: String, errors: inout FieldIssues) {
        errors.append(FieldIssue.Code.required.rawValue, at: pointer(key),
            "'\(key)' is required.")
    }

    func wrongType(_ key: String, expected: String, got value: JSONValue, errors: inout FieldIssues) {
        errors.append(FieldIssue.Code.wrongType.rawValue, at: pointer(key),
            "'\(key)' must be \(expected), got \(value.typeName).")
    }

    /// A string of 1 to `maxLength` characters.
    func string(_ key: String, required isRequired: Bool = false, maxLength: Int, errors: inout FieldIssues) -> String? {
        guard let value = value(key) else {
            if isRequired { required(key, errors: &errors) }
            return nil
        }
        guard case .string(let text) = value else {
            wrongType(key, expected: "a string", got: value, errors: &errors)
            return nil
        }
        guard !text.isEmpty, text.count <= maxLength else {
            errors.append(FieldIssue.Code.invalidLength.rawValue, at: pointer(key),
                "'\(key)' must have 1 to \(maxLength) characters, got \(text.count).")
            return nil
        }
        return text
    }

    /// An integer in `range`; with `lenient`, also a string of digits (as LiveVox's own examples send).
    func integer(_ key: String, in range: ClosedRange<Int64>, lenient: Bool, errors: inout FieldIssues) -> Int64? {
        guard let value = value(key) else { return nil }
        let number: Int64
        switch value {
        case .integer(let integer):
            number = integer
        case .string(let text) where lenient:
            guard let parsed = Int64(lenientDigits: text) else {
                errors.append(FieldIssue.Code.wrongType.rawValue, at: pointer(key),
                    "'\(key)' must be an integer or a string of digits, got \"\(text.prefix(40))\".")
                return nil
            }
            number = parsed
        default:
            wrongType(key, expected: lenient ? "an integer or a string of digits" : "an integer", got: value, errors: &errors)
            return nil
        }
        guard range.contains(number) else {
            errors.append(FieldIssue.Code.outOfRange.rawValue, at: pointer(key),
                "'\(key)' must be from \(range.lowerBound) to \(range.upperBound), got \(number).")
            return nil
        }
        return number
    }

    /// A phone number LiveVox can dial, from the allowed regions.
    func phone(_ key: String, required isRequired: Bool, allowed: PhoneRegionSet, errors: inout FieldIssues) -> PhoneNumber? {
        guard let value = value(key) else {
            if isRequired { required(key, errors: &errors) }
            return nil
        }
        guard case .string(let text) = value else {
            wrongType(key, expected: "a string such as \"(415) 205-7483\"", got: value, errors: &errors)
            return nil
        }
        do throws(PhoneNumberError) {
            return try PhoneNumber.parse(text, allowed: allowed)
        } catch {
            errors.append(error.code.rawValue, at: pointer(key), error.detail)
            return nil
        }
    }

    /// A date-time as epoch milliseconds (number or string) or ISO 8601 text.
    func dateTime(_ key: String, errors: inout FieldIssues) -> DateTimeInput? {
        guard let value = value(key) else { return nil }
        switch value {
        case .integer(let millis): return .epochMillis(millis)
        case .string(let text): return .text(text)
        default:
            wrongType(key, expected: "epoch milliseconds or an ISO 8601 date-time string", got: value, errors: &errors)
            return nil
        }
    }
}
