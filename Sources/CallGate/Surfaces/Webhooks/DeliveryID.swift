/// Delivery ids: `dlv_`, the acceptance time in milliseconds as 9 base-36 digits, then 17 random
/// base-36 characters (87 bits) from the system's random generator. Ids made later sort later, so
/// the outbox's id index grows at its end (one page per commit) instead of taking each new id on
/// a random page of its own. Random bytes are read 32 at a time (four system calls, not one per
/// character): a byte below 252 gives one character (byte % 36, unbiased since 252 = 7 × 36).
enum DeliveryID {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    static let timeDigits = 9
    static let randomCharacters = 17

    static func generate(nowMillis: Int64) -> String {
        var characters: [UInt8] = Array("dlv_".utf8)
        characters.reserveCapacity(4 + timeDigits + randomCharacters)
        var time = max(0, nowMillis)
        var digits = [UInt8](repeating: alphabet[0], count: timeDigits)
        for index in stride(from: timeDigits - 1, through: 0, by: -1) {
            digits[index] = alphabet[Int(time % 36)]
            time /= 36
        }
        characters += digits
        var generator = SystemRandomNumberGenerator()
        let count = characters.count + randomCharacters
        while characters.count < count {
            var bytes: (UInt64, UInt64, UInt64, UInt64) = (generator.next(), generator.next(), generator.next(), generator.next())
            withUnsafeBytes(of: &bytes) { raw in
                for byte in raw where byte < 252 && characters.count < count {
                    characters.append(alphabet[Int(byte % 36)])
                }
            }
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
