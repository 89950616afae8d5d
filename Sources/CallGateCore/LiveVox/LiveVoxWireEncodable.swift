/// A request model sent to LiveVox, written straight to JSON bytes: the members present, in the
/// reference page's order (`shared/reference/livevox-supervisor-calls.txt`), absent optionals
/// left out. The request path encodes one per call; `JSONEncoder` would cost several times that.
public protocol LiveVoxWireEncodable: Sendable {
    /// Appends the model's JSON object to `out`.
    func appendLiveVoxJSON(to out: inout [UInt8])
}

extension LiveVoxWireEncodable {
    /// The JSON bytes LiveVox is sent.
    public var liveVoxJSON: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        appendLiveVoxJSON(to: &out)
        return out
    }
}

/// Writes one JSON object member by member: the braces, the commas and the keys.
struct JSONObjectWriter {
    private var isEmpty = true

    /// Opens the object.
    init(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
    }

    /// Appends `"name":`, after a comma unless it is the first member.
    mutating func key(_ name: StaticString, _ out: inout [UInt8]) {
        if !isEmpty { out.append(UInt8(ascii: ",")) }
        isEmpty = false
        out.append(UInt8(ascii: "\""))
        JSONBytes.appendRaw(name, to: &out)
        JSONBytes.appendRaw("\":", to: &out)
    }

    /// Appends a string member.
    mutating func string(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
        key(name, &out)
        JSONBytes.appendString(value, to: &out)
    }

    /// Appends a string member when `value` is present.
    mutating func string(_ name: StaticString, _ value: String?, _ out: inout [UInt8]) {
        if let value { string(name, value, &out) }
    }

    /// Appends an integer member when `value` is present.
    mutating func integer<T: BinaryInteger>(_ name: StaticString, _ value: T?, _ out: inout [UInt8]) {
        guard let value else { return }
        key(name, &out)
        JSONBytes.appendInteger(value, to: &out)
    }

    /// Closes the object.
    func close(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "}"))
    }
}
