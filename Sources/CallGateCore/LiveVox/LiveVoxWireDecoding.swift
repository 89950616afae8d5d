/// Decoding LiveVox's answers with the core's own JSON parser instead of `Codable`: on the proxy's
/// hot path a queue-stats answer is checked on every request, and `JSONDecoder` (existential
/// containers, generic metadata, `Data` bridging) cost several times the parse itself.
///
/// The rules are the wire models' own: integers may come as JSON numbers or as strings of digits
/// (LiveVox's examples send both), unknown members are ignored, a missing required member or a
/// value of the wrong type is an error naming the member.
public protocol LiveVoxWireDecodable: Sendable {
    /// Reads the model from one JSON object.
    init(wire: LiveVoxWireObject) throws(LiveVoxDecodingError)
}

/// A body that could not be decoded as the operation's model.
public struct LiveVoxDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, naming the member.
    public var description: String

    /// Creates an error.
    public init(description: String) { self.description = description }
}

extension LiveVoxWireDecodable {
    /// Decodes the model from a JSON body.
    public init(liveVoxJSON bytes: [UInt8]) throws(LiveVoxDecodingError) {
        let value: JSONValue
        do throws(MalformedJSON) {
            value = try JSONParser.parse(bytes)
        } catch {
            throw LiveVoxDecodingError(description: error.detail)
        }
        try self.init(wire: LiveVoxWireObject(value, path: ""))
    }
}

/// The members of one JSON object in a LiveVox answer, read by name.
public struct LiveVoxWireObject: Sendable {
    private let members: [(key: String, value: JSONValue)]
    private let path: String

    /// Reads `value`, which must be an object; `path` names it in errors (empty for the document).
    public init(_ value: JSONValue, path: String) throws(LiveVoxDecodingError) {
        guard case .object(let members) = value else {
            throw LiveVoxDecodingError(description: "Expected an object\(path.isEmpty ? "" : " at '\(path)'"), got \(value.typeName).")
        }
        self.members = members
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The member's value; JSON `null` counts as absent.
    private func value(_ key: String) -> JSONValue? {
        for member in members where member.key == key {
            return member.value == .null ? nil : member.value
        }
        return nil
    }

    private func missing(_ key: String) -> LiveVoxDecodingError {
        LiveVoxDecodingError(description: "'\(name(key))' is missing.")
    }

    /// A required string.
    public func string(_ key: String) throws(LiveVoxDecodingError) -> String {
        guard let text = try optionalString(key) else { throw missing(key) }
        return text
    }

    /// An optional string.
    public func optionalString(_ key: String) throws(LiveVoxDecodingError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            throw LiveVoxDecodingError(description: "Expected a string for '\(name(key))', got \(value.typeName).")
        }
        return text
    }

    /// A required integer, written as a JSON integer or a string of digits.
    public func integer<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws(LiveVoxDecodingError) -> T {
        guard let number = try optionalInteger(key, as: T.self) else { throw missing(key) }
        return number
    }

    /// An optional integer, written as a JSON integer or a string of digits.
    public func optionalInteger<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) throws(LiveVoxDecodingError) -> T? {
        guard let value = value(key) else { return nil }
        let number: T?
        switch value {
        case .integer(let integer): number = T(exactly: integer)
        case .string(let text): number = T(lenientDigits: text)
        default: number = nil
        }
        guard let number else {
            throw LiveVoxDecodingError(description: "Expected an integer or a string of digits for '\(name(key))', got \(Self.describe(value)).")
        }
        return number
    }

    /// A required array of objects, each decoded as `T`.
    public func array<T: LiveVoxWireDecodable>(_ key: String, of type: T.Type) throws(LiveVoxDecodingError) -> [T] {
        guard let value = value(key) else { throw missing(key) }
        guard case .array(let elements) = value else {
            throw LiveVoxDecodingError(description: "Expected an array for '\(name(key))', got \(value.typeName).")
        }
        var decoded: [T] = []
        decoded.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            decoded.append(try T(wire: LiveVoxWireObject(element, path: "\(name(key))[\(index)]")))
        }
        return decoded
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .integer(let integer): "\(integer), which is out of range"
        default: value.typeName
        }
    }
}

extension FixedWidthInteger {
    /// Parses an optional sign followed by ASCII digits only: no spaces, no `+` prefix tricks, no fraction.
    init?(lenientDigits text: String) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) })
        else { return nil }
        self.init(text, radix: 10)
    }
}
