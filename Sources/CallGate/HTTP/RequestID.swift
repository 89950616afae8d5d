/// Request ids: the caller's `X-Request-ID` when it is safe to log and echo, a new one otherwise.
enum RequestID {
    /// The caller's id when it has 1 to 128 characters from `A-Z a-z 0-9 . _ : -`; otherwise nil.
    static func accept(_ header: String?) -> String? {
        guard let header, !header.isEmpty, header.utf8.count <= 128 else { return nil }
        let allowed = header.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
        return allowed ? header : nil
    }

    /// A new random id: 32 lowercase hex digits (128 bits).
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<2 {
            var value = generator.next()
            for _ in 0..<16 {
                bytes.append(hex[Int(value & 0xF)])
                value >>= 4
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
