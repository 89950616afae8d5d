/// Appends CSV fields as RFC 4180 says: quoted only when they hold a comma, a quote or a line break.
public enum CSVBytes {
    /// Appends one field.
    @inlinable
    public static func appendField(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { out.append(contentsOf: bytes); return }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends one field from a Swift string.
    @inlinable
    public static func appendField(_ string: String, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { appendField($0, to: &out) }
    }
}
