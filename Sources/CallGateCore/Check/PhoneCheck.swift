/// One line of `callgate check phone`: parses an input and appends its report in the chosen format.
///
/// JSONL: `{"input", "valid", "national", "e164", "region", "tollFree", "timeZones"}` for a valid
/// number, `{"input", "valid": false, "error": {"code", "detail"}}` otherwise. CSV has the columns
/// of ``csvHeader``, time zones separated by spaces. Text is for people.
public struct PhoneCheck: Sendable {
    /// The output format.
    public let format: CheckFormat
    /// The regions whose numbers count as valid.
    public let allowedRegions: PhoneRegionSet

    /// Creates a checker.
    public init(format: CheckFormat, allowedRegions: PhoneRegionSet = .defaultAllowed) {
        self.format = format
        self.allowedRegions = allowedRegions
    }

    /// The CSV header row.
    public static let csvHeader = "input,valid,national,e164,region,tollFree,timeZones,errorCode,errorDetail\n"

    /// Appends what comes before the first line (the CSV header).
    public func appendPreamble(to out: inout [UInt8]) {
        if format == .csv { out.append(contentsOf: Array(Self.csvHeader.utf8)) }
    }

    /// Checks one input line (without its line break) and appends its report; returns whether it was valid.
    @discardableResult
    public func check(line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        let result: Result<PhoneNumber, PhoneNumberError>
        do throws(PhoneNumberError) {
            result = .success(try PhoneNumber.parse(utf8: line, allowed: allowedRegions))
        } catch {
            result = .failure(error)
        }
        line.withValidUTF8 { input in
            switch format {
            case .jsonl: Self.appendJSON(input: input, result: result, to: &out)
            case .csv: Self.appendCSV(input: input, result: result, to: &out)
            case .text: Self.appendText(input: input, result: result, to: &out)
            }
        }
        if case .success = result { return true }
        return false
    }

    static func appendJSON(input: UnsafeBufferPointer<UInt8>, result: Result<PhoneNumber, PhoneNumberError>,
                           to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"input\":", to: &out)
        JSONBytes.appendString(input, to: &out)
        switch result {
        case .success(let number):
            JSONBytes.appendRaw(",\"valid\":true,\"national\":\"", to: &out)
            number.writeNational(into: &out)
            JSONBytes.appendRaw("\",\"e164\":\"", to: &out)
            number.writeE164(into: &out)
            JSONBytes.appendRaw("\",\"region\":\"", to: &out)
            out.append(contentsOf: number.region.rawValue.utf8)
            JSONBytes.appendRaw("\",\"tollFree\":", to: &out)
            JSONBytes.appendBool(number.isTollFree, to: &out)
            JSONBytes.appendRaw(",\"timeZones\":[", to: &out)
            for (index, zone) in number.timeZones.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendString(zone, to: &out)
            }
            JSONBytes.appendRaw("]}\n", to: &out)
        case .failure(let error):
            CheckRefusal.appendJSON(code: error.code.rawValue, detail: error.detail, to: &out)
        }
    }

    static func appendCSV(input: UnsafeBufferPointer<UInt8>, result: Result<PhoneNumber, PhoneNumberError>,
                          to out: inout [UInt8]) {
        CSVBytes.appendField(input, to: &out)
        switch result {
        case .success(let number):
            JSONBytes.appendRaw(",true,", to: &out)
            number.writeNational(into: &out)
            out.append(UInt8(ascii: ","))
            number.writeE164(into: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: number.region.rawValue.utf8)
            out.append(UInt8(ascii: ","))
            JSONBytes.appendBool(number.isTollFree, to: &out)
            out.append(UInt8(ascii: ","))
            CSVBytes.appendField(number.timeZones.joined(separator: " "), to: &out)
            JSONBytes.appendRaw(",,\n", to: &out)
        case .failure(let error):
            CheckRefusal.appendCSV(code: error.code.rawValue, detail: error.detail, emptyColumns: 5, to: &out)
        }
    }

    static func appendText(input: UnsafeBufferPointer<UInt8>, result: Result<PhoneNumber, PhoneNumberError>,
                           to out: inout [UInt8]) {
        switch result {
        case .success(let number):
            JSONBytes.appendRaw("valid    ", to: &out)
            out.append(contentsOf: input)
            JSONBytes.appendRaw("  ->  ", to: &out)
            number.writeE164(into: &out)
            JSONBytes.appendRaw("  national ", to: &out)
            number.writeNational(into: &out)
            JSONBytes.appendRaw("  ", to: &out)
            out.append(contentsOf: number.region.rawValue.utf8)
            if number.isTollFree { JSONBytes.appendRaw("  toll-free", to: &out) }
            if !number.timeZones.isEmpty {
                JSONBytes.appendRaw("  ", to: &out)
                out.append(contentsOf: Array(number.timeZones.joined(separator: ", ").utf8))
            }
        case .failure(let error):
            JSONBytes.appendRaw("invalid  ", to: &out)
            out.append(contentsOf: input)
            JSONBytes.appendRaw("  ->  ", to: &out)
            out.append(contentsOf: Array(error.code.rawValue.utf8))
            JSONBytes.appendRaw(": ", to: &out)
            out.append(contentsOf: Array(error.detail.utf8))
        }
        out.append(0x0A)
    }
}
