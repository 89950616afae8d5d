import CallGateCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The gateway's swift-log handler: one line per event on standard error, as text or JSON.
///
/// - `text` (the default): `2026-11-29T20:05:50.123Z warning callgate: LiveVox failed request.id=abc upstream.attempts=3`,
///   metadata sorted by key, a value quoted when it holds a space, a quote or a control character.
/// - `json` (`--log-format json`, for log shippers): `{"time":"2026-11-29T20:05:50.123Z","level":"info",
///   "label":"callgate","message":"...","source":"..."` plus the metadata as string members.
///
/// Setting metadata only stores it; lines are rendered when something is logged. (swift-log's
/// `StreamLogHandler` renders all of its metadata again whenever a key is set, and the gateway
/// sets a request id on every request: that cost about 4% of the event loops' time under load.)
public struct GatewayLogHandler: LogHandler {
    /// How lines are written.
    public enum Format: String, Sendable, CaseIterable {
        /// Human-readable text.
        case text
        /// One JSON object per line.
        case json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format

    /// A handler for `label` (swift-log's bootstrap passes it) writing `format`.
    public init(label: String, format: Format, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = switch format {
        case .text:
            Self.textLine(time: Self.now(), level: event.level, label: label, message: event.message.description,
                          metadata: merged)
        case .json:
            Self.jsonLine(time: Self.now(), level: event.level, label: label, message: event.message.description,
                          source: event.source, metadata: merged)
        }
        // One write(2) per line: lines from several threads never interleave (up to PIPE_BUF).
        line.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// One text line, newline included (separate from the clock and the stream, for tests).
    static func textLine(time: (seconds: Int64, milliseconds: Int), level: Logger.Level, label: String, message: String,
                         metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + message.utf8.count)
        appendTimestamp(time, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: level.rawValue.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: label.utf8)
        out.append(contentsOf: ": ".utf8)
        out.append(contentsOf: message.utf8)
        for key in metadata.keys.sorted() {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: "="))
            let value = metadata[key]!.description
            if value.isEmpty || value.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == 0x7F }) {
                JSONBytes.appendString(value, to: &out)
            } else {
                out.append(contentsOf: value.utf8)
            }
        }
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// One JSON line, newline included (separate from the clock and the stream, for tests).
    static func jsonLine(time: (seconds: Int64, milliseconds: Int), level: Logger.Level, label: String, message: String,
                     source: String, metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.utf8.count)
        JSONBytes.appendRaw("{\"time\":\"", to: &out)
        appendTimestamp(time, to: &out)
        JSONBytes.appendRaw("\",\"level\":\"", to: &out)
        out.append(contentsOf: level.rawValue.utf8)
        JSONBytes.appendRaw("\",\"label\":", to: &out)
        JSONBytes.appendString(label, to: &out)
        JSONBytes.appendRaw(",\"message\":", to: &out)
        JSONBytes.appendString(message, to: &out)
        JSONBytes.appendRaw(",\"source\":", to: &out)
        JSONBytes.appendString(source, to: &out)
        for key in metadata.keys.sorted() where !["time", "level", "label", "message", "source"].contains(key) {
            out.append(UInt8(ascii: ","))
            JSONBytes.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONBytes.appendString(metadata[key]!.description, to: &out)
        }
        JSONBytes.appendRaw("}\n", to: &out)
        return out
    }

    private static func now() -> (seconds: Int64, milliseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int64(spec.tv_sec), Int(spec.tv_nsec / 1_000_000))
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    private static func appendTimestamp(_ time: (seconds: Int64, milliseconds: Int), to out: inout [UInt8]) {
        let days = time.seconds >= 0 ? time.seconds / 86_400 : (time.seconds - 86_399) / 86_400
        let secondOfDay = Int(time.seconds - days * 86_400)
        let date = CivilCalendar.date(days: days)
        func two(_ value: Int) { out.append(0x30 + UInt8(value / 10)); out.append(0x30 + UInt8(value % 10)) }
        let year = date.year
        out.append(contentsOf: String(year).utf8)
        out.append(UInt8(ascii: "-")); two(date.month)
        out.append(UInt8(ascii: "-")); two(date.day)
        out.append(UInt8(ascii: "T")); two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":")); two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":")); two(secondOfDay % 60)
        out.append(UInt8(ascii: "."))
        out.append(0x30 + UInt8(time.milliseconds / 100)); two(time.milliseconds % 100)
        out.append(UInt8(ascii: "Z"))
    }
}
