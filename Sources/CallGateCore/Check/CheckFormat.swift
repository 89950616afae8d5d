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
