/// Appends JSON text to a byte buffer without building intermediate objects: the bulk checker
/// writes millions of lines, so each value goes straight from its source bytes to the output.
public enum JSONBytes {
    /// Appends `bytes` (UTF-8) as a JSON string literal, escaping quotes, backslashes and control
    /// characters. Invalid UTF-8 is passed through byte for byte; callers validate beforehand.
    @inlinable
    public static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20, 0x7F:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a Swift string as a JSON string literal.
    @inlinable
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendString($0, to: &out) }
    }

    /// Appends a string literal made of bytes known to need no escaping (keys, codes).
    @inlinable
    public static func appendRaw(_ string: StaticString, to out: inout [UInt8]) {
        string.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// Appends a signed integer in decimal.
    @inlinable
    public static func appendInteger<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// Appends a string, or `null` for `nil`.
    public static func appendOptionalString(_ value: String?, to out: inout [UInt8]) {
        if let value { appendString(value, to: &out) } else { appendRaw("null", to: &out) }
    }

    /// Appends `true` or `false`.
    @inlinable
    public static func appendBool(_ value: Bool, to out: inout [UInt8]) {
        value ? appendRaw("true", to: &out) : appendRaw("false", to: &out)
    }

    @usableFromInline
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
