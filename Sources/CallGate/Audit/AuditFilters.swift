import CallGateCore
import CallGateStorage

/// The filters of `GET /v1/audit` and `callgate audit query`, parsed in one place so that both
/// refuse the same things with the same sentences, each naming its parameter.
public enum AuditFilters {
    /// The parameters, in the order the documentation lists them.
    public static let names = ["since", "until", "principal", "role", "operation", "serviceId", "phone", "outcome",
                               "status", "requestId", "cursor", "limit"]

    /// The query for `parameters` (name, value pairs, already percent-decoded); a phone number is
    /// matched through its keyed fingerprint, so the store never needs the number itself.
    /// - Parameter describe: how a refusal names a parameter (the command line says `--phone`).
    public static func query(_ parameters: [(name: String, value: String)], keys: AuditKeys,
                             allowedRegions: PhoneRegionSet,
                             describe: (String) -> String = { "The query parameter '\($0)'" }) -> Result<AuditQuery, Problem> {
        func invalid(_ name: String, _ why: String) -> Problem {
            Problem(400, .invalidQuery, "\(describe(shown(name))) \(why).")
        }
        var query = AuditQuery()
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard names.contains(name) else {
                return .failure(invalid(name, "is not a filter; the filters are \(names.joined(separator: ", "))"))
            }
            guard seen.insert(name).inserted else { return .failure(invalid(name, "is given twice; give it once")) }
            switch name {
            case "since", "until":
                guard let millis = try? ResolvedDateTime.resolve(.text(value), timeZone: nil).epochMillis else {
                    return .failure(invalid(name, "is '\(shown(value))': use ISO 8601 with an offset (2026-11-29T20:00:00Z) or epoch milliseconds"))
                }
                if name == "since" { query.sinceMillis = millis } else { query.untilMillis = millis }
            case "principal":
                guard !value.isEmpty else { return .failure(invalid(name, "is empty: give a key, source or token name")) }
                query.principal = value
            case "role":
                guard let role = LiveVoxRole(name: value) else {
                    return .failure(invalid(name, "is '\(shown(value))': use Sysadmin, Superuser, Manager or Agent"))
                }
                query.role = role.rawValue
            case "operation":
                let operations = GatewayOperation.allCases.map(\.rawValue) + ["unknown"]
                guard operations.contains(value) else {
                    return .failure(invalid(name, "is '\(shown(value))': use one of \(operations.joined(separator: ", "))"))
                }
                query.operation = value
            case "serviceId":
                guard let id = Int64(value), id > 0 else {
                    return .failure(invalid(name, "is '\(shown(value))': use a positive integer, e.g. 21429"))
                }
                query.serviceId = id
            case "phone":
                guard let number = try? PhoneNumber.parse(value, allowed: allowedRegions) else {
                    return .failure(invalid(name, "is '\(shown(value))', which is not a valid dialable number (e.g. 4155550123 or +14155550123)"))
                }
                query.phoneFingerprint = keys.fingerprint(phone: number.national)
            case "outcome":
                guard let outcome = AuditOutcome(rawValue: value) else {
                    return .failure(invalid(name, "is '\(shown(value))': use allowed, denied or error"))
                }
                query.outcome = outcome
            case "status":
                guard let status = Int(value), (100...599).contains(status) else {
                    return .failure(invalid(name, "is '\(shown(value))': use an HTTP status from 100 to 599"))
                }
                query.status = status
            case "requestId":
                guard !value.isEmpty else { return .failure(invalid(name, "is empty")) }
                query.requestId = value
            case "cursor":
                switch cursor(value) {
                case .success(let sequence): query.beforeSequence = sequence
                case .failure(let why): return .failure(invalid(name, why.text))
                }
            case "limit":
                switch limit(value) {
                case .success(let limit): query.limit = limit
                case .failure(let why): return .failure(invalid(name, why.text))
                }
            default:
                break
            }
        }
        if let since = query.sinceMillis, let until = query.untilMillis, since >= until {
            return .failure(invalid("until", "is not after 'since': the time window is empty"))
        }
        return .success(query)
    }

    /// The name, value pairs of a raw query string, percent-decoded (`+` is kept as a plus, so
    /// offsets such as `+01:00` work unencoded).
    public static func pairs(fromQuery query: String?) -> Result<[(name: String, value: String)], Problem> {
        guard let query, !query.isEmpty else { return .success([]) }
        var pairs: [(name: String, value: String)] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else {
                return .failure(Problem(400, .invalidQuery, "A query parameter name is not valid percent-encoded UTF-8."))
            }
            guard let value = percentDecoded(parts.count > 1 ? parts[1] : "") else {
                return .failure(invalid(name, "is not valid percent-encoded UTF-8"))
            }
            pairs.append((name, value))
        }
        return .success(pairs)
    }

    /// Why a parameter's value is refused, as the rest of the sentence after its name.
    struct Why: Error {
        let text: String
    }

    /// A page cursor: the positive `nextCursor` of the previous page (audit records, deliveries).
    static func cursor(_ value: String) -> Result<Int64, Why> {
        guard let cursor = Int64(value), cursor > 0 else {
            return .failure(Why(text: "is '\(shown(value))': pass the nextCursor of the previous page unchanged"))
        }
        return .success(cursor)
    }

    /// A page size from 1 to `AuditQuery.maximumLimit` (audit records, deliveries).
    static func limit(_ value: String) -> Result<Int, Why> {
        guard let limit = Int(value), (1...AuditQuery.maximumLimit).contains(limit) else {
            return .failure(Why(text: "is '\(shown(value))': use a whole number from 1 to \(AuditQuery.maximumLimit)"))
        }
        return .success(limit)
    }

    static func invalid(_ name: String, _ why: String) -> Problem {
        Problem(400, .invalidQuery, "The query parameter '\(shown(name))' \(why).")
    }

    static func shown(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(60)) + "..." : text
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexDigitValue), let low = iterator.next().flatMap(hexDigitValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The three ways audit records are written out: JSON (pages and NDJSON lines) and CSV.
public enum AuditRecordFormat {
    /// The CSV header line, newline included.
    public static let csvHeader = Array("""
        sequence,time,requestId,principal,role,authMethod,clientAddress,operation,method,path,serviceId,\
        phones,phoneFingerprints,entryCount,outcome,reason,validationCodes,upstreamStatus,upstreamAttempts,\
        upstreamLatencyMicros,totalLatencyMicros,status,previousHash,hash\r\n
        """.utf8)

    /// One record as a JSON object (every member present; `null` when absent).
    public static func appendJSON(_ record: AuditRecord, to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"sequence\":", to: &out)
        JSONBytes.appendInteger(record.sequence, to: &out)
        JSONBytes.appendRaw(",\"time\":", to: &out)
        JSONBytes.appendString(utc(record.timeMillis), to: &out)
        JSONBytes.appendRaw(",\"requestId\":", to: &out)
        JSONBytes.appendString(record.requestId, to: &out)
        member("principal", record.principal, &out)
        member("role", record.role, &out)
        member("authMethod", record.authMethod, &out)
        member("clientAddress", record.clientAddress, &out)
        member("operation", record.operation, &out)
        member("method", record.method, &out)
        member("path", record.path, &out)
        member("serviceId", record.serviceId, &out)
        JSONBytes.appendRaw(",\"phones\":[", to: &out)
        for (index, phone) in record.phones.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendRaw("{\"masked\":", to: &out)
            JSONBytes.appendString(phone.masked, to: &out)
            JSONBytes.appendRaw(",\"fingerprint\":", to: &out)
            JSONBytes.appendString(phone.fingerprint, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        member("entryCount", record.entryCount, &out)
        member("outcome", record.outcome.rawValue, &out)
        member("reason", record.reason, &out)
        JSONBytes.appendRaw(",\"validationCodes\":[", to: &out)
        for (index, code) in record.validationCodes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendString(code, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        member("upstreamStatus", record.upstreamStatus, &out)
        member("upstreamAttempts", record.upstreamAttempts, &out)
        member("upstreamLatencyMicros", record.upstreamLatencyMicros, &out)
        member("totalLatencyMicros", record.totalLatencyMicros, &out)
        member("status", record.responseStatus, &out)
        member("previousHash", record.previousHash, &out)
        member("hash", record.hash, &out)
        out.append(UInt8(ascii: "}"))
    }

    /// One record as a CSV line (RFC 4180), CRLF included; lists are space-separated.
    public static func appendCSV(_ record: AuditRecord, to out: inout [UInt8]) {
        let fields: [String] = [
            String(record.sequence), utc(record.timeMillis), record.requestId, record.principal ?? "", record.role ?? "",
            record.authMethod ?? "", record.clientAddress ?? "", record.operation, record.method, record.path,
            record.serviceId.map(String.init) ?? "", record.phones.map(\.masked).joined(separator: " "),
            record.phones.map(\.fingerprint).joined(separator: " "), record.entryCount.map(String.init) ?? "",
            record.outcome.rawValue, record.reason ?? "", record.validationCodes.joined(separator: " "),
            record.upstreamStatus.map(String.init) ?? "", String(record.upstreamAttempts),
            record.upstreamLatencyMicros.map(String.init) ?? "", String(record.totalLatencyMicros),
            String(record.responseStatus), record.previousHash, record.hash,
        ]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            CSVBytes.appendField(field, to: &out)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// `2026-11-29T20:05:50.123Z`.
    static func utc(_ millis: Int64) -> String {
        LocalDateTime(epochMillis: millis, offsetSeconds: 0).iso8601 + "Z"
    }

    private static func member(_ name: StaticString, _ value: String?, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        JSONBytes.appendRaw(name, to: &out)
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        if let value { JSONBytes.appendString(value, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
    }

    private static func member<T: BinaryInteger>(_ name: StaticString, _ value: T?, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        JSONBytes.appendRaw(name, to: &out)
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        if let value { JSONBytes.appendInteger(value, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
    }
}
