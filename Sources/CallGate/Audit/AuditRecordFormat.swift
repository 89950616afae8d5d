import CallGateCore
import CallGateStorage

/// The ways audit records are written out: JSON (pages and NDJSON lines) and CSV; and the
/// verification's JSON.
public enum AuditRecordFormat {
    /// The CSV header line, newline included.
    public static let csvHeader = Array("""
        sequence,time,requestId,principal,role,authMethod,clientAddress,peerAddress,operation,method,path,serviceId,\
        phones,phoneFingerprints,entryCount,outcome,reason,validationCodes,upstreamStatus,upstreamAttempts,\
        upstreamLatencyMicros,totalLatencyMicros,status,previousHash,hash,callingProfile,callingRules,\
        callingNextAllowedAt,callingRulesDigest\r\n
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
        member("peerAddress", record.peerAddress, &out)
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
        JSONBytes.appendRaw(",\"validationCodes\":", to: &out)
        appendStrings(record.validationCodes, to: &out)
        member("upstreamStatus", record.upstreamStatus, &out)
        member("upstreamAttempts", record.upstreamAttempts, &out)
        member("upstreamLatencyMicros", record.upstreamLatencyMicros, &out)
        member("totalLatencyMicros", record.totalLatencyMicros, &out)
        member("status", record.responseStatus, &out)
        member("previousHash", record.previousHash, &out)
        member("hash", record.hash, &out)
        JSONBytes.appendRaw(",\"callingWindow\":", to: &out)
        guard let window = record.callingWindow else { return JSONBytes.appendRaw("null}", to: &out) }
        JSONBytes.appendRaw("{\"profile\":", to: &out)
        JSONBytes.appendString(window.profile, to: &out)
        JSONBytes.appendRaw(",\"rules\":", to: &out)
        appendStrings(window.ruleIds, to: &out)
        JSONBytes.appendRaw(",\"nextAllowedAt\":", to: &out)
        JSONBytes.appendInstant(window.nextAllowedAtMillis, to: &out)
        JSONBytes.appendRaw(",\"rulesDigest\":", to: &out)
        JSONBytes.appendString(window.rulesDigest, to: &out)
        JSONBytes.appendRaw("}}", to: &out)
    }

    /// `["a","b"]`.
    private static func appendStrings(_ values: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONBytes.appendString(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// One record as a CSV line (RFC 4180), CRLF included; lists are space-separated.
    public static func appendCSV(_ record: AuditRecord, to out: inout [UInt8]) {
        let fields: [String] = [
            String(record.sequence), utc(record.timeMillis), record.requestId, record.principal ?? "", record.role ?? "",
            record.authMethod ?? "", record.clientAddress ?? "", record.peerAddress ?? "", record.operation, record.method, record.path,
            record.serviceId.map(String.init) ?? "", record.phones.map(\.masked).joined(separator: " "),
            record.phones.map(\.fingerprint).joined(separator: " "), record.entryCount.map(String.init) ?? "",
            record.outcome.rawValue, record.reason ?? "", record.validationCodes.joined(separator: " "),
            record.upstreamStatus.map(String.init) ?? "", String(record.upstreamAttempts),
            record.upstreamLatencyMicros.map(String.init) ?? "", String(record.totalLatencyMicros),
            String(record.responseStatus), record.previousHash, record.hash,
            record.callingWindow?.profile ?? "", record.callingWindow?.ruleIds.joined(separator: " ") ?? "",
            record.callingWindow?.nextAllowedAtMillis.map(utc) ?? "", record.callingWindow?.rulesDigest ?? "",
        ]
        for (index, field) in fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            CSVBytes.appendField(field, to: &out)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// `{"intact":..,"checked":..,"checkpointSequence":..,"firstBad":{"sequence":..,"problem":..}}`.
    public static func appendJSON(_ verification: AuditVerification, to out: inout [UInt8]) {
        JSONBytes.appendRaw("{\"intact\":", to: &out)
        JSONBytes.appendBool(verification.isIntact, to: &out)
        JSONBytes.appendRaw(",\"checked\":", to: &out)
        JSONBytes.appendInteger(verification.checked, to: &out)
        JSONBytes.appendRaw(",\"checkpointSequence\":", to: &out)
        if let checkpoint = verification.checkpointSequence { JSONBytes.appendInteger(checkpoint, to: &out) } else { JSONBytes.appendRaw("null", to: &out) }
        JSONBytes.appendRaw(",\"firstBad\":", to: &out)
        if let bad = verification.firstBad {
            JSONBytes.appendRaw("{\"sequence\":", to: &out)
            JSONBytes.appendInteger(bad.sequence, to: &out)
            JSONBytes.appendRaw(",\"problem\":", to: &out)
            JSONBytes.appendString(bad.problem, to: &out)
            out.append(UInt8(ascii: "}"))
        } else {
            JSONBytes.appendRaw("null", to: &out)
        }
        out.append(UInt8(ascii: "}"))
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
