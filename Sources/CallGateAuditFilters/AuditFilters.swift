import CallGateCore
import CallGateHashing
import CallGateStorage

/// The filters of `GET /v1/audit` and `callgate audit query`, parsed in one place so that both
/// refuse the same things with the same sentences, each naming its parameter. Pure: no I/O, so the
/// fuzz harness links it without the server.
public enum AuditFilters {
    /// The parameters, in the order the documentation lists them.
    public static let names = ["since", "until", "principal", "role", "operation", "serviceId", "phone", "outcome",
                               "status", "requestId", "cursor", "limit"]

    /// How a refusal of the HTTP surface names a parameter: `The query parameter 'limit'`.
    public static func queryParameter(_ name: String) -> String {
        "The query parameter '\(name)'"
    }

    /// The query for `parameters` (name, value pairs, already percent-decoded); a phone number is
    /// matched through its keyed fingerprint, so the store never needs the number itself.
    public static func query(_ parameters: [(name: String, value: String)], keys: AuditKeys,
                             allowedRegions: PhoneRegionSet) -> Result<AuditQuery, AuditFilterError> {
        func invalid(_ name: String, _ why: String) -> AuditFilterError {
            AuditFilterError(.invalidValue, parameter: name, reason: why)
        }
        var query = AuditQuery()
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard names.contains(name) else {
                return .failure(AuditFilterError(.unknownParameter, parameter: name,
                                                 reason: "is not a filter; the filters are \(names.joined(separator: ", "))"))
            }
            guard seen.insert(name).inserted else {
                return .failure(AuditFilterError(.repeatedParameter, parameter: name, reason: "is given twice; give it once"))
            }
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
                    return .failure(invalid(name, "is '\(shown(value))': use allowed, denied, error, intent or incomplete (an intent without its outcome)"))
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
                case .failure(let refusal): return .failure(refusal)
                }
            case "limit":
                switch limit(value) {
                case .success(let limit): query.limit = limit
                case .failure(let refusal): return .failure(refusal)
                }
            default:
                break
            }
        }
        if let since = query.sinceMillis, let until = query.untilMillis, since >= until {
            return .failure(AuditFilterError(.emptyTimeWindow, parameter: "until", reason: "is not after 'since': the time window is empty"))
        }
        return .success(query)
    }

    /// The name, value pairs of a raw query string, percent-decoded (`+` is kept as a plus, so
    /// offsets such as `+01:00` work unencoded). The string is split on the bytes `&` and `=`, not
    /// on characters: a combining mark after either would otherwise join it to the character before.
    public static func pairs(fromQuery query: String?) -> Result<[(name: String, value: String)], AuditFilterError> {
        guard let query, !query.isEmpty else { return .success([]) }
        var pairs: [(name: String, value: String)] = []
        for item in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = item.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else {
                return .failure(AuditFilterError(.invalidEncoding, parameter: nil, reason: "is not valid percent-encoded UTF-8"))
            }
            guard let value = percentDecoded(parts.count > 1 ? parts[1] : item[item.endIndex...]) else {
                return .failure(AuditFilterError(.invalidEncoding, parameter: name, reason: "is not valid percent-encoded UTF-8"))
            }
            pairs.append((name, value))
        }
        return .success(pairs)
    }

    /// The `cursor` of a page: the positive `nextCursor` of the previous page (audit records,
    /// deliveries).
    public static func cursor(_ value: String) -> Result<Int64, AuditFilterError> {
        guard let cursor = Int64(value), cursor > 0 else {
            return .failure(AuditFilterError(.invalidValue, parameter: "cursor",
                                             reason: "is '\(shown(value))': pass the nextCursor of the previous page unchanged"))
        }
        return .success(cursor)
    }

    /// The `limit` of a page: from 1 to `AuditQuery.maximumLimit` (audit records, deliveries).
    public static func limit(_ value: String) -> Result<Int, AuditFilterError> {
        guard let limit = Int(value), (1...AuditQuery.maximumLimit).contains(limit) else {
            return .failure(AuditFilterError(.invalidValue, parameter: "limit",
                                             reason: "is '\(shown(value))': use a whole number from 1 to \(AuditQuery.maximumLimit)"))
        }
        return .success(limit)
    }

    /// A name or value as a refusal quotes it: at most 60 characters, then `...`.
    public static func shown(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(60)) + "..." : text
    }

    private static func percentDecoded(_ text: Substring.UTF8View) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(Hex.value(of:)), let low = iterator.next().flatMap(Hex.value(of:)) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
