/// The output formats of `callgate check`.
public enum CheckFormat: String, Sendable, Hashable, CaseIterable {
    /// One JSON object per input line, in input order.
    case jsonl
    /// RFC 4180 CSV with a header row.
    case csv
    /// Aligned lines for a person at a terminal.
    case text
}

extension UnsafeBufferPointer<UInt8> {
    /// Calls `body` with these bytes as valid UTF-8: unchanged when they already are (the common,
    /// ASCII case costs one scan), otherwise with each invalid sequence replaced by U+FFFD, so that
    /// an echoed input never makes the output invalid.
    @inlinable
    func withValidUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if allSatisfy({ $0 < 0x80 }) { return body(self) }
        var repaired = String(decoding: self, as: UTF8.self)
        return repaired.withUTF8(body)
    }
}

/// The refused line of a bulk check, written the same way whatever was checked.
enum CheckRefusal {
    /// Appends `,"valid":false,"error":{"code","detail"}}` and the line break (after `{"input":...`).
    static func appendJSON(code: String, detail: String, to out: inout [UInt8]) {
        JSONBytes.appendRaw(",\"valid\":false,\"error\":{\"code\":", to: &out)
        JSONBytes.appendString(code, to: &out)
        JSONBytes.appendRaw(",\"detail\":", to: &out)
        JSONBytes.appendString(detail, to: &out)
        JSONBytes.appendRaw("}}\n", to: &out)
    }

    /// Appends `,false`, an empty field for each of the `emptyColumns` result columns, the code and
    /// the detail, and the line break (after the input field).
    static func appendCSV(code: String, detail: String, emptyColumns: Int, to out: inout [UInt8]) {
        JSONBytes.appendRaw(",false", to: &out)
        out.append(contentsOf: repeatElement(UInt8(ascii: ","), count: emptyColumns + 1))
        CSVBytes.appendField(code, to: &out)
        out.append(UInt8(ascii: ","))
        CSVBytes.appendField(detail, to: &out)
        out.append(0x0A)
    }
}
