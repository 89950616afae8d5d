/// One line of `callgate check window`: `PHONE` or `PHONE,INSTANT`, checked against the calling
/// windows, and its report.
///
/// JSONL: `{"input", "allowed", "profile", "at", "locations": [{"state", "timeZone", "localTime"}],
/// "blockedBy": [{"rule", "jurisdiction", "citation"}], "nextAllowedAt"}`, plus `"error": {"code",
/// "detail"}` (and `allowed` false) when the phone, the instant or the location cannot be used.
/// Instants are UTC ISO 8601, local times carry their offset.
public struct WindowCheck: Sendable {
    /// The output format.
    public let format: CheckFormat
    /// The compiled rules.
    public let windows: CallingWindows
    /// The profile and confidence.
    public let policy: CallingPolicy
    /// The instant of lines that give none, in milliseconds since the epoch.
    public let defaultAtEpochMillis: Int64
    /// How long the window must stay open, in seconds.
    public let durationSeconds: Int64
    /// The party's state as the caller knows it, for every line.
    public let state: String?
    /// The zone of that state, when the caller knows it.
    public let timeZone: IANATimeZone?

    /// Creates a checker.
    public init(format: CheckFormat, windows: CallingWindows, policy: CallingPolicy, defaultAtEpochMillis: Int64,
                durationSeconds: Int64 = 0, state: String? = nil, timeZone: IANATimeZone? = nil) {
        self.format = format
        self.windows = windows
        self.policy = policy
        self.defaultAtEpochMillis = defaultAtEpochMillis
        self.durationSeconds = durationSeconds
        self.state = state
        self.timeZone = timeZone
    }

    /// The CSV header row.
    public static let csvHeader = "input,allowed,profile,at,locations,blockedBy,nextAllowedAt,errorCode,errorDetail\n"

    /// Appends what comes before the first line (the CSV header).
    public func appendPreamble(to out: inout [UInt8]) {
        if format == .csv { out.append(contentsOf: Array(Self.csvHeader.utf8)) }
    }

    /// What one line came to.
    enum Outcome {
        case decided(CallingWindowDecision)
        case refused(at: Int64?, code: String, detail: String)
    }

    /// Checks one input line (without its line break) and appends its report; returns whether the
    /// line could be checked (allowed or not).
    @discardableResult
    public func check(line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        decide(line: line, into: &out) != nil
    }

    /// Checks one input line and appends its report, as ``check(line:into:)``; returns the decision,
    /// or nil when the line could not be checked (for `/v1/calling-window`, which answers the same
    /// report and audits the decision).
    public func decide(line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> CallingWindowDecision? {
        let outcome = evaluate(line: line)
        line.withValidUTF8 { input in
            switch format {
            case .jsonl: appendJSON(input: input, outcome: outcome, to: &out)
            case .csv: appendCSV(input: input, outcome: outcome, to: &out)
            case .text: appendText(input: input, outcome: outcome, to: &out)
            }
        }
        if case .decided(let decision) = outcome { return decision }
        return nil
    }

    func evaluate(line: UnsafeBufferPointer<UInt8>) -> Outcome {
        var phoneBytes = line
        var at = defaultAtEpochMillis
        if let comma = line.firstIndex(of: UInt8(ascii: ",")) {
            phoneBytes = UnsafeBufferPointer(rebasing: line[..<comma])
            let instant = String(decoding: line[(comma + 1)...], as: UTF8.self)
            do throws(DateTimeError) {
                at = try ResolvedDateTime.resolve(.text(instant), timeZone: nil).epochMillis
            } catch {
                return .refused(at: nil, code: error.code.rawValue, detail: error.detail)
            }
        }
        let phone: PhoneNumber
        do throws(PhoneNumberError) {
            phone = try PhoneNumber.parse(utf8: phoneBytes, allowed: .defaultAllowed)
        } catch {
            return .refused(at: at, code: error.code.rawValue, detail: error.detail)
        }
        let query = CallingWindowQuery(phone: phone, atEpochMillis: at, durationSeconds: durationSeconds, state: state, timeZone: timeZone)
        do throws(CallingWindowError) {
            return .decided(try windows.evaluate(query, policy: policy))
        } catch {
            return .refused(at: at, code: error.code.rawValue, detail: error.detail)
        }
    }

    func appendJSON(input: UnsafeBufferPointer<UInt8>, outcome: Outcome, to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"input\":", to: &out)
        JSONBytes.appendString(input, to: &out)
        switch outcome {
        case .decided(let decision):
            JSONBytes.appendRaw(",\"allowed\":", to: &out)
            JSONBytes.appendBool(decision.allowed, to: &out)
            JSONBytes.appendRaw(",\"profile\":\"", to: &out)
            out.append(contentsOf: decision.profile.rawValue.utf8)
            JSONBytes.appendRaw("\",\"at\":\"", to: &out)
            InstantBytes.appendUTC(decision.atEpochMillis, to: &out)
            JSONBytes.appendRaw("\",\"locations\":[", to: &out)
            for (index, location) in decision.locations.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendRaw("{\"state\":", to: &out)
                JSONBytes.appendOptionalString(location.state, to: &out)
                JSONBytes.appendRaw(",\"timeZone\":", to: &out)
                JSONBytes.appendString(location.timeZone.identifier, to: &out)
                JSONBytes.appendRaw(",\"localTime\":\"", to: &out)
                InstantBytes.appendLocal(decision.atEpochMillis, in: location.timeZone, to: &out)
                JSONBytes.appendRaw("\"}", to: &out)
            }
            JSONBytes.appendRaw("],", to: &out)
            JSONBytes.appendWindowRefusal(decision.blockedBy, nextAllowedAt: decision.nextAllowedAtEpochMillis, to: &out)
            JSONBytes.appendRaw("}\n", to: &out)
        case .refused(let at, let code, let detail):
            JSONBytes.appendRaw(",\"allowed\":false,\"profile\":\"", to: &out)
            out.append(contentsOf: policy.profile.rawValue.utf8)
            JSONBytes.appendRaw("\",\"at\":", to: &out)
            InstantBytes.appendJSON(at, to: &out)
            JSONBytes.appendRaw(",\"locations\":[],\"blockedBy\":[],\"nextAllowedAt\":null,\"error\":{\"code\":", to: &out)
            JSONBytes.appendString(code, to: &out)
            JSONBytes.appendRaw(",\"detail\":", to: &out)
            JSONBytes.appendString(detail, to: &out)
            JSONBytes.appendRaw("}}\n", to: &out)
        }
    }

    func appendCSV(input: UnsafeBufferPointer<UInt8>, outcome: Outcome, to out: inout [UInt8]) {
        CSVBytes.appendField(input, to: &out)
        switch outcome {
        case .decided(let decision):
            out.append(UInt8(ascii: ","))
            JSONBytes.appendBool(decision.allowed, to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: decision.profile.rawValue.utf8)
            out.append(UInt8(ascii: ","))
            InstantBytes.appendUTC(decision.atEpochMillis, to: &out)
            out.append(UInt8(ascii: ","))
            var locations: [UInt8] = []
            for (index, location) in decision.locations.enumerated() {
                if index > 0 { JSONBytes.appendRaw("; ", to: &locations) }
                locations.append(contentsOf: (location.state ?? "-").utf8)
                locations.append(UInt8(ascii: " "))
                locations.append(contentsOf: location.timeZone.identifier.utf8)
                locations.append(UInt8(ascii: " "))
                InstantBytes.appendLocal(decision.atEpochMillis, in: location.timeZone, to: &locations)
            }
            locations.withUnsafeBufferPointer { CSVBytes.appendField($0, to: &out) }
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(decision.blockedBy.map(\.id).joined(separator: " "), to: &out)
            out.append(UInt8(ascii: ","))
            if let next = decision.nextAllowedAtEpochMillis { InstantBytes.appendUTC(next, to: &out) }
            JSONBytes.appendRaw(",,\n", to: &out)
        case .refused(let at, let code, let detail):
            JSONBytes.appendRaw(",false,", to: &out)
            out.append(contentsOf: policy.profile.rawValue.utf8)
            out.append(UInt8(ascii: ","))
            if let at { InstantBytes.appendUTC(at, to: &out) }
            JSONBytes.appendRaw(",,,,", to: &out)
            CSVBytes.appendField(code, to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(detail, to: &out)
            out.append(0x0A)
        }
    }

    func appendText(input: UnsafeBufferPointer<UInt8>, outcome: Outcome, to out: inout [UInt8]) {
        switch outcome {
        case .decided(let decision):
            JSONBytes.appendRaw(decision.allowed ? "allowed  " : "refused  ", to: &out)
            out.append(contentsOf: input)
            JSONBytes.appendRaw("  at ", to: &out)
            InstantBytes.appendUTC(decision.atEpochMillis, to: &out)
            for location in decision.locations {
                JSONBytes.appendRaw("\n         ", to: &out)
                out.append(contentsOf: (location.state ?? "-").utf8)
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: location.timeZone.identifier.utf8)
                out.append(UInt8(ascii: " "))
                InstantBytes.appendLocal(decision.atEpochMillis, in: location.timeZone, to: &out)
            }
            for rule in decision.blockedBy {
                JSONBytes.appendRaw("\n         blocked by ", to: &out)
                out.append(contentsOf: rule.id.utf8)
                JSONBytes.appendRaw(" (", to: &out)
                out.append(contentsOf: rule.citation.utf8)
                out.append(UInt8(ascii: ")"))
            }
            if let next = decision.nextAllowedAtEpochMillis {
                JSONBytes.appendRaw("\n         next allowed at ", to: &out)
                InstantBytes.appendUTC(next, to: &out)
            } else if !decision.allowed {
                JSONBytes.appendRaw("\n         no allowed instant within 14 days", to: &out)
            }
        case .refused(_, let code, let detail):
            JSONBytes.appendRaw("invalid  ", to: &out)
            out.append(contentsOf: input)
            JSONBytes.appendRaw("  ->  ", to: &out)
            out.append(contentsOf: code.utf8)
            JSONBytes.appendRaw(": ", to: &out)
            out.append(contentsOf: detail.utf8)
        }
        out.append(0x0A)
    }
}

extension JSONBytes {
    /// Appends `"blockedBy":[{"rule","jurisdiction","citation"}],"nextAllowedAt":"…"|null`: how
    /// `check window`, `/v1/calling-window` and a launch's or callback's refusal name the rules
    /// that refuse a call and when it could start.
    public static func appendWindowRefusal(_ blockedBy: [CallingRule], nextAllowedAt: Int64?, to out: inout [UInt8]) {
        appendRaw("\"blockedBy\":[", to: &out)
        for (index, rule) in blockedBy.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendRaw("{\"rule\":", to: &out)
            appendString(rule.id, to: &out)
            appendRaw(",\"jurisdiction\":", to: &out)
            appendString(rule.jurisdiction.description, to: &out)
            appendRaw(",\"citation\":", to: &out)
            appendString(rule.citation, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        appendRaw("],\"nextAllowedAt\":", to: &out)
        InstantBytes.appendJSON(nextAllowedAt, to: &out)
    }

    /// Appends an instant as a JSON string in UTC ISO 8601, or `null`.
    public static func appendInstant(_ millis: Int64?, to out: inout [UInt8]) {
        InstantBytes.appendJSON(millis, to: &out)
    }
}

extension CallingWindows {
    /// An instant as `nextAllowedAt` writes it, `2026-05-01T14:30:00Z`, for sentences.
    public static func utcText(_ millis: Int64) -> String {
        var bytes: [UInt8] = []
        InstantBytes.appendUTC(millis, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Instants written as ISO 8601 bytes without building strings: seconds precision, milliseconds
/// only when there are any.
enum InstantBytes {
    /// `2026-05-01T14:30:00Z`.
    static func appendUTC(_ millis: Int64, to out: inout [UInt8]) {
        appendWall(millis, offsetSeconds: 0, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// The UTC form as a JSON string, or `null`.
    static func appendJSON(_ millis: Int64?, to out: inout [UInt8]) {
        guard let millis else { return JSONBytes.appendRaw("null", to: &out) }
        out.append(UInt8(ascii: "\""))
        appendUTC(millis, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// `2026-05-01T10:30:00-04:00`, the zone's wall clock and offset at the instant.
    static func appendLocal(_ millis: Int64, in zone: IANATimeZone, to out: inout [UInt8]) {
        let offset = zone.utcOffsetSeconds(atEpochSeconds: CivilCalendar.floorDivide(millis, 1000).quotient)
        appendWall(millis, offsetSeconds: offset, to: &out)
        let magnitude = Int(offset.magnitude)
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        appendDigits(magnitude / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(magnitude % 3600 / 60, 2, to: &out)
    }

    private static func appendWall(_ millis: Int64, offsetSeconds: Int32, to out: inout [UInt8]) {
        let (seconds, fraction) = CivilCalendar.floorDivide(millis, 1000)
        let (days, secondOfDay) = CivilCalendar.floorDivide(seconds + Int64(offsetSeconds), 86_400)
        let date = CivilCalendar.date(days: days)
        appendDigits(date.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(date.day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(Int(secondOfDay / 3600), 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(Int(secondOfDay % 3600 / 60), 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(Int(secondOfDay % 60), 2, to: &out)
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            appendDigits(Int(fraction), 3, to: &out)
        }
    }

    /// `width` (2, 3 or 4) decimal digits of `value`, without a loop of divisions: a line writes up to
    /// twenty of them.
    private static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        let zero = UInt8(ascii: "0")
        if width == 4 {
            out.append(zero &+ UInt8(truncatingIfNeeded: value / 1000 % 10))
            out.append(zero &+ UInt8(truncatingIfNeeded: value / 100 % 10))
        } else if width == 3 {
            out.append(zero &+ UInt8(truncatingIfNeeded: value / 100 % 10))
        }
        out.append(zero &+ UInt8(truncatingIfNeeded: value / 10 % 10))
        out.append(zero &+ UInt8(truncatingIfNeeded: value % 10))
    }
}
