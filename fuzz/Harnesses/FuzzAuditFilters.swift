import CallGateAuditFilters
import CallGateCore
import CallGateStorage

/// The keys the harness fingerprints phone numbers with.
private let fuzzAuditKeys = try! AuditKeys(secret: Array(repeating: 0x5A, count: 32))

/// Parses `bytes` as the raw query string of `GET /v1/audit` and returns every broken invariant.
/// Accepted filters stay within their ranges (a limit of 1 to 1000, a positive cursor and service,
/// a status from 100 to 599, a non-empty time window) and give the same query from their canonical
/// query string and in reverse order; every refusal names a parameter the query gave, by the right
/// code, in a sentence that quotes it.
public func fuzzAuditFilters(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let text = String(decoding: bytes, as: UTF8.self)
    let pairs: [(name: String, value: String)]
    switch AuditFilters.pairs(fromQuery: text) {
    case .success(let parsed): pairs = parsed
    case .failure(let refusal):
        return refusal.code == .invalidEncoding ? refusalBreaks(refusal, names: nil) : ["'\(text)' refused by \(refusal.code) while splitting"]
    }
    var broken: [String] = []
    // Items are split on the byte `&`, whatever characters surround it.
    let items = text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).count
    if pairs.count != items { broken.append("'\(text)' has \(items) items but gave \(pairs.count) pairs") }
    switch AuditFilters.query(pairs, keys: fuzzAuditKeys, allowedRegions: .defaultAllowed) {
    case .failure(let refusal):
        broken += refusalBreaks(refusal, names: pairs.map(\.name))
    case .success(let query):
        broken += rangeBreaks(query)
        let canonical = canonicalQuery(query, pairs: pairs)
        let again = AuditFilters.pairs(fromQuery: canonical).flatMap {
            AuditFilters.query($0, keys: fuzzAuditKeys, allowedRegions: .defaultAllowed)
        }
        if again != .success(query) { broken.append("'\(text)' and its canonical form '\(canonical)' give different queries") }
        let reversed = AuditFilters.query(pairs.reversed(), keys: fuzzAuditKeys, allowedRegions: .defaultAllowed)
        if reversed != .success(query) { broken.append("'\(text)' gives another query in reverse order") }
    }
    return broken
}

/// A refusal names a parameter that was given (nil only for a name that is not UTF-8), with the
/// code its cause calls for, in one sentence that quotes it.
private func refusalBreaks(_ refusal: AuditFilterError, names: [String]?) -> [String] {
    let sentence = refusal.sentence()
    var broken: [String] = []
    if !sentence.hasSuffix(".") { broken.append("the refusal '\(sentence)' is not a sentence") }
    guard let parameter = refusal.parameter else {
        if refusal.code != .invalidEncoding { broken.append("a refusal by \(refusal.code) names no parameter") }
        return broken
    }
    if !sentence.contains("'\(AuditFilters.shown(parameter))'") { broken.append("the refusal '\(sentence)' does not quote '\(parameter)'") }
    guard let names else { return broken }
    if !names.contains(parameter) { broken.append("the refusal names '\(parameter)', which was not given") }
    switch refusal.code {
    case .unknownParameter:
        if AuditFilters.names.contains(parameter) { broken.append("the filter '\(parameter)' is refused as unknown") }
    case .repeatedParameter:
        if names.filter({ $0 == parameter }).count < 2 { broken.append("'\(parameter)' is refused as repeated but was given once") }
    case .invalidValue:
        if !AuditFilters.names.contains(parameter) { broken.append("'\(parameter)' is refused for its value but is not a filter") }
    case .emptyTimeWindow:
        if !(names.contains("since") && names.contains("until")) { broken.append("an empty time window without since and until") }
    case .invalidEncoding:
        broken.append("a decoded value is refused for its encoding")
    }
    return broken
}

/// What an accepted query may hold.
private func rangeBreaks(_ query: AuditQuery) -> [String] {
    var broken: [String] = []
    if !(1...AuditQuery.maximumLimit).contains(query.limit) { broken.append("the limit \(query.limit)") }
    if let cursor = query.beforeSequence, cursor <= 0 { broken.append("the cursor \(cursor)") }
    if let service = query.serviceId, service <= 0 { broken.append("the service \(service)") }
    if let status = query.status, !(100...599).contains(status) { broken.append("the status \(status)") }
    if let since = query.sinceMillis, let until = query.untilMillis, since >= until { broken.append("the window \(since)..<\(until)") }
    for millis in [query.sinceMillis, query.untilMillis].compactMap(\.self)
    where !(ResolvedDateTime.earliestEpochMillis...ResolvedDateTime.latestEpochMillis).contains(millis) {
        broken.append("the time \(millis) outside 1970 through 2100")
    }
    if let role = query.role, LiveVoxRole(rawValue: role) == nil { broken.append("the role '\(role)'") }
    if let principal = query.principal, principal.isEmpty { broken.append("an empty principal") }
    if let requestId = query.requestId, requestId.isEmpty { broken.append("an empty request id") }
    if let fingerprint = query.phoneFingerprint, fingerprint.utf8.count != 64 { broken.append("the fingerprint '\(fingerprint)'") }
    if query.services != nil { broken.append("a service scope from the query string") }
    return broken
}

/// The query string that spells `query` canonically: the filters in their documented order, times
/// in epoch milliseconds, the role as LiveVox writes it, the phone number in E.164, every byte
/// outside the unreserved set percent-encoded.
private func canonicalQuery(_ query: AuditQuery, pairs: [(name: String, value: String)]) -> String {
    let given = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    var out: [(String, String)] = []
    if let since = query.sinceMillis { out.append(("since", String(since))) }
    if let until = query.untilMillis { out.append(("until", String(until))) }
    if let principal = query.principal { out.append(("principal", principal)) }
    if let role = query.role { out.append(("role", role)) }
    if let operation = query.operation { out.append(("operation", operation)) }
    if let service = query.serviceId { out.append(("serviceId", String(service))) }
    if let phone = given["phone"], let number = try? PhoneNumber.parse(phone, allowed: .defaultAllowed) {
        out.append(("phone", number.e164))
    }
    if let outcome = query.outcome { out.append(("outcome", outcome.rawValue)) }
    if let status = query.status { out.append(("status", String(status))) }
    if let requestId = query.requestId { out.append(("requestId", requestId)) }
    if let cursor = query.beforeSequence { out.append(("cursor", String(cursor))) }
    out.append(("limit", String(query.limit)))
    return out.map { percentEncoded($0.0) + "=" + percentEncoded($0.1) }.joined(separator: "&")
}

private func percentEncoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let digits = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}
