#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One line of `callgate check time`: decodes `{"at": ..., "timeZone": ...}`, resolves it and
/// appends its report.
///
/// JSONL: `{"input", "valid": true, "epochMillis", "utc", "liveVoxTimeZone", "ianaTimeZone", "warnings"}`
/// (the zone fields are null when the line named no zone), or `{"input", "valid": false, "error": {"code", "detail"}}`.
/// Keys other than `at` and `timeZone` are ignored, so a CRM export can carry its own ids along.
public struct TimeCheck: Sendable {
    /// The output format.
    public let format: CheckFormat

    /// Creates a checker.
    public init(format: CheckFormat) { self.format = format }

    /// The CSV header row.
    public static let csvHeader = "input,valid,epochMillis,utc,liveVoxTimeZone,ianaTimeZone,warnings,errorCode,errorDetail\n"

    /// Appends what comes before the first line (the CSV header).
    public func appendPreamble(to out: inout [UInt8]) {
        if format == .csv { out.append(contentsOf: Array(Self.csvHeader.utf8)) }
    }

    /// Checks one input line (without its line break) and appends its report; returns whether it was valid.
    @discardableResult
    public func check(line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        let outcome = Self.evaluate(line: line)
        line.withValidUTF8 { input in
            switch format {
            case .jsonl: Self.appendJSON(input: input, outcome: outcome, to: &out)
            case .csv: Self.appendCSV(input: input, outcome: outcome, to: &out)
            case .text: Self.appendText(input: input, outcome: outcome, to: &out)
            }
        }
        if case .success = outcome { return true }
        return false
    }

    /// A refusal of one line: its stable code and sentence, whichever domain produced it.
    struct Refusal: Error, Sendable {
        let code: String
        let detail: String
    }

    /// One decoder for every line: constructing one per line costs more than decoding the line.
    private static let decoder = JSONDecoder()

    static func evaluate(line: UnsafeBufferPointer<UInt8>) -> Result<ResolvedDateTime, Refusal> {
        let request: TimeCheckLine
        do {
            request = try decoder.decode(TimeCheckLine.self, from: Data(line))
        } catch let error as TimeCheckLineError {
            return .failure(Refusal(code: error.code.rawValue, detail: error.detail))
        } catch {
            return .failure(Refusal(
                code: TimeCheckLineError.Code.invalidJSON.rawValue,
                detail: "The line is not a JSON object such as {\"at\": \"2026-05-01T09:30\", \"timeZone\": \"ET\"}."
            ))
        }
        do throws(DateTimeError) {
            return .success(try ResolvedDateTime.resolve(request.at, timeZone: request.timeZone))
        } catch {
            return .failure(Refusal(code: error.code.rawValue, detail: error.detail))
        }
    }

    static func appendJSON(input: UnsafeBufferPointer<UInt8>, outcome: Result<ResolvedDateTime, Refusal>,
                           to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"input\":", to: &out)
        JSONBytes.appendString(input, to: &out)
        switch outcome {
        case .success(let resolved):
            JSONBytes.appendRaw(",\"valid\":true,\"epochMillis\":", to: &out)
            JSONBytes.appendInteger(resolved.epochMillis, to: &out)
            JSONBytes.appendRaw(",\"utc\":", to: &out)
            JSONBytes.appendString(resolved.utcISO8601, to: &out)
            JSONBytes.appendRaw(",\"liveVoxTimeZone\":", to: &out)
            JSONBytes.appendOptionalString(resolved.timeZone?.liveVox.rawValue, to: &out)
            JSONBytes.appendRaw(",\"ianaTimeZone\":", to: &out)
            JSONBytes.appendOptionalString(resolved.timeZone?.ianaIdentifier, to: &out)
            JSONBytes.appendRaw(",\"warnings\":[", to: &out)
            for (index, warning) in resolved.warnings.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendRaw("{\"code\":", to: &out)
                JSONBytes.appendString(warning.code.rawValue, to: &out)
                JSONBytes.appendRaw(",\"detail\":", to: &out)
                JSONBytes.appendString(warning.detail, to: &out)
                out.append(UInt8(ascii: "}"))
            }
            JSONBytes.appendRaw("]}\n", to: &out)
        case .failure(let refusal):
            CheckRefusal.appendJSON(code: refusal.code, detail: refusal.detail, to: &out)
        }
    }

    static func appendCSV(input: UnsafeBufferPointer<UInt8>, outcome: Result<ResolvedDateTime, Refusal>,
                          to out: inout [UInt8]) {
        CSVBytes.appendField(input, to: &out)
        switch outcome {
        case .success(let resolved):
            JSONBytes.appendRaw(",true,", to: &out)
            JSONBytes.appendInteger(resolved.epochMillis, to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(resolved.utcISO8601, to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(resolved.timeZone?.liveVox.rawValue ?? "", to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(resolved.timeZone?.ianaIdentifier ?? "", to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(resolved.warnings.map { $0.code.rawValue }.joined(separator: " "), to: &out)
            JSONBytes.appendRaw(",,\n", to: &out)
        case .failure(let refusal):
            CheckRefusal.appendCSV(code: refusal.code, detail: refusal.detail, emptyColumns: 5, to: &out)
        }
    }

    static func appendText(input: UnsafeBufferPointer<UInt8>, outcome: Result<ResolvedDateTime, Refusal>,
                           to out: inout [UInt8]) {
        var text: String
        switch outcome {
        case .success(let resolved):
            text = "valid    \(String(decoding: input, as: UTF8.self))  ->  \(resolved.utcISO8601) (\(resolved.epochMillis))"
            if let zone = resolved.timeZone { text += "  \(zone.liveVox.rawValue) \(zone.ianaIdentifier)" }
            for warning in resolved.warnings { text += "\n         warning \(warning.code.rawValue): \(warning.detail)" }
        case .failure(let refusal):
            text = "invalid  \(String(decoding: input, as: UTF8.self))  ->  \(refusal.code): \(refusal.detail)"
        }
        out.append(contentsOf: Array(text.utf8))
        out.append(0x0A)
    }
}

/// One input line of `callgate check time`.
struct TimeCheckLine: Decodable {
    let at: DateTimeInput
    let timeZone: String?

    enum CodingKeys: String, CodingKey { case at, timeZone }

    init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<CodingKeys>
        do {
            container = try decoder.container(keyedBy: CodingKeys.self)
        } catch {
            throw TimeCheckLineError(.invalidJSON, "The line is not a JSON object such as {\"at\": \"2026-05-01T09:30\", \"timeZone\": \"ET\"}.")
        }
        guard container.contains(.at), !(try container.decodeNil(forKey: .at)) else {
            throw TimeCheckLineError(.missingAt, "The object has no \"at\": give epoch milliseconds or an ISO 8601 date-time.")
        }
        if let millis = try? container.decode(Int64.self, forKey: .at) {
            at = .epochMillis(millis)
        } else if let text = try? container.decode(String.self, forKey: .at) {
            at = .text(text)
        } else {
            throw TimeCheckLineError(.invalidAt, "\"at\" must be whole epoch milliseconds (a number or a string of digits) or an ISO 8601 date-time string.")
        }
        if container.contains(.timeZone), !(try container.decodeNil(forKey: .timeZone)) {
            guard let zone = try? container.decode(String.self, forKey: .timeZone) else {
                throw TimeCheckLineError(.invalidTimeZoneType, "\"timeZone\" must be a string such as \"ET\" or \"America/New_York\".")
            }
            timeZone = zone
        } else {
            timeZone = nil
        }
    }
}

/// Why a line of `callgate check time` could not even be read as a request.
public struct TimeCheckLineError: CodedError {
    /// The stable codes.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The line is not a JSON object.
        case invalidJSON = "invalid_json"
        /// The object has no `at`.
        case missingAt = "missing_at"
        /// `at` is neither an integer nor a string.
        case invalidAt = "invalid_at"
        /// `timeZone` is not a string.
        case invalidTimeZoneType = "invalid_timezone_type"
    }

    /// The stable code.
    public let code: Code
    /// The sentence.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}
