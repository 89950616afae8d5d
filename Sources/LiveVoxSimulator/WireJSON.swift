import CallGateCore

/// A request model inside a `Codable` listing of the control API, in the one form LiveVox is sent
/// it (``LiveVoxWireEncodable``): its bytes parsed and encoded again, so that the listing's own
/// encoder sorts its keys with the rest.
struct WireJSON: Encodable {
    private let value: JSONValue

    /// The JSON of `model` as LiveVox is sent it.
    init(_ model: some LiveVoxWireEncodable) {
        // The writer always produces valid JSON.
        value = (try? JSONParser.parse(model.liveVoxJSON)) ?? .null
    }

    private init(value: JSONValue) { self.value = value }

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(WireJSON(value: item)) }
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for member in members { try container.encode(WireJSON(value: member.value), forKey: Key(stringValue: member.key)) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .integer(let integer):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        }
    }
}
