/// LiveVox's own examples send integers as JSON strings (`"transactionId": "27460618101"`,
/// `"dialingTimeout": "60"`), so its wire models accept both a JSON integer and a string of digits.
/// Anything else (a fraction, letters, an empty string) is a decoding error that names the key.
extension KeyedDecodingContainer {
    func decodeLenientInteger<T: FixedWidthInteger & Decodable & Sendable>(
        _ type: T.Type, forKey key: Key
    ) throws -> T {
        if let value = try? decode(T.self, forKey: key) {
            return value
        }
        let text: String
        do {
            text = try decode(String.self, forKey: key)
        } catch DecodingError.typeMismatch {
            throw DecodingError.typeMismatch(
                T.self,
                .init(codingPath: codingPath + [key],
                      debugDescription: "Expected an integer or a string of digits for '\(key.stringValue)'.")
            )
        }
        guard let value = T(lenientDigits: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "Expected an integer or a string of digits for '\(key.stringValue)', got \"\(text)\"."
            )
        }
        return value
    }

    func decodeLenientIntegerIfPresent<T: FixedWidthInteger & Decodable & Sendable>(
        _ type: T.Type, forKey key: Key
    ) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeLenientInteger(type, forKey: key)
    }
}
