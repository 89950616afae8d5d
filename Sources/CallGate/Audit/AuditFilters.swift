import CallGateCore
import CallGateHashing
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
            guard let high = iterator.next().flatMap(Hex.value(of:)), let low = iterator.next().flatMap(Hex.value(of:)) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
