import CallGateAuditFilters
import CallGateCore
import CallGateStorage
import Testing

@testable import CallGate

/// The refusals of the audit filters and the deliveries' paging, exactly as the HTTP surface answers
/// them (400 `invalid_query`) and as the command line says them.
@Suite("Audit filter refusals as problems")
struct AuditFiltersProblemTests {
    static let keys = try! AuditKeys(secret: Array(repeating: 7, count: 32))

    static func problem(_ query: String) -> Problem? {
        switch AuditFilters.pairs(fromQuery: query).flatMap({ AuditFilters.query($0, keys: keys, allowedRegions: .defaultAllowed) }) {
        case .success: nil
        case .failure(let refusal): Problem(refusal)
        }
    }

    @Test("Each refusal is one sentence naming the parameter", arguments: [
        ("since=yesterday",
         "The query parameter 'since' is 'yesterday': use ISO 8601 with an offset (2026-11-29T20:00:00Z) or epoch milliseconds."),
        ("role=Boss", "The query parameter 'role' is 'Boss': use Sysadmin, Superuser, Manager or Agent."),
        ("serviceId=-4", "The query parameter 'serviceId' is '-4': use a positive integer, e.g. 21429."),
        ("phone=12",
         "The query parameter 'phone' is '12', which is not a valid dialable number (e.g. 4155550123 or +14155550123)."),
        ("outcome=maybe",
         "The query parameter 'outcome' is 'maybe': use allowed, denied, error, intent or incomplete (an intent without its outcome)."),
        ("status=99", "The query parameter 'status' is '99': use an HTTP status from 100 to 599."),
        ("cursor=abc", "The query parameter 'cursor' is 'abc': pass the nextCursor of the previous page unchanged."),
        ("limit=1001", "The query parameter 'limit' is '1001': use a whole number from 1 to 1000."),
        ("color=red",
         "The query parameter 'color' is not a filter; the filters are since, until, principal, role, operation, serviceId, phone, outcome, status, requestId, cursor, limit."),
        ("limit=5&limit=6", "The query parameter 'limit' is given twice; give it once."),
        ("principal=%zz", "The query parameter 'principal' is not valid percent-encoded UTF-8."),
        ("%C3=1", "A query parameter name is not valid percent-encoded UTF-8."),
        ("principal=", "The query parameter 'principal' is empty: give a key, source or token name."),
        ("requestId", "The query parameter 'requestId' is empty."),
        ("since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z",
         "The query parameter 'until' is not after 'since': the time window is empty."),
        ("role=" + String(repeating: "x", count: 61),
         "The query parameter 'role' is '" + String(repeating: "x", count: 60) + "...': use Sysadmin, Superuser, Manager or Agent."),
    ])
    func refusal(query: String, detail: String) {
        #expect(Self.problem(query) == Problem(400, .invalidQuery, detail))
    }

    @Test("An unknown operation is answered with the list of operations")
    func operation() {
        let operations = GatewayOperation.allCases.map(\.rawValue) + ["unknown"]
        #expect(Self.problem("operation=drop_tables")
            == Problem(400, .invalidQuery, "The query parameter 'operation' is 'drop_tables': use one of \(operations.joined(separator: ", "))."))
    }

    @Test("Filters that parse give the query they spell")
    func accepted() throws {
        let phone = try PhoneNumber.parse("4155550123", allowed: .defaultAllowed)
        let parsed = AuditFilters.pairs(fromQuery: "since=2026-11-01T00:00:00%2B01:00&role=manager&phone=%2B14155550123&limit=7&cursor=9")
            .flatMap { AuditFilters.query($0, keys: Self.keys, allowedRegions: .defaultAllowed) }
        #expect(parsed == .success(AuditQuery(sinceMillis: 1_793_487_600_000, role: "Manager",
                                              phoneFingerprint: Self.keys.fingerprint(phone: phone.national), beforeSequence: 9, limit: 7)))
    }

    @Test("The command line names a refused filter by its flag")
    func commandLine() {
        let refusal = AuditFilters.query([("serviceId", "-4")], keys: Self.keys, allowedRegions: .defaultAllowed)
        guard case .failure(let refusal) = refusal else { Issue.record("accepted"); return }
        #expect(refusal.sentence(naming: { "--" + $0 }) == "--serviceId is '-4': use a positive integer, e.g. 21429.")
        #expect(refusal == AuditFilterError(.invalidValue, parameter: "serviceId", reason: "is '-4': use a positive integer, e.g. 21429"))
    }

    @Test("The deliveries' parameters are refused in the same words", arguments: [
        ("status=lost", "The query parameter 'status' is 'lost': use pending, sending, delivered, dead, unknown or cancelled."),
        ("limit=0", "The query parameter 'limit' is '0': use a whole number from 1 to 1000."),
        ("cursor=-1", "The query parameter 'cursor' is '-1': pass the nextCursor of the previous page unchanged."),
        ("page=2", "The query parameter 'page' is not a parameter of the deliveries; they take status, limit and cursor."),
        ("status=%FF", "The query parameter 'status' is not valid percent-encoded UTF-8."),
    ])
    func deliveries(query: String, detail: String) {
        guard case .failure(let problem) = DeliveryEndpoints.deliveryQuery(query) else { Issue.record("accepted"); return }
        #expect(problem == Problem(400, .invalidQuery, detail))
    }
}

/// Found by the fuzzer: a query string is split on the bytes `&` and `=`, not on characters, so a
/// combining mark after either cannot glue two parameters (or a name and its value) together.
@Suite("Audit filter query strings")
struct AuditFilterQueryStringTests {
    @Test("A combining mark after & starts a parameter of its own", arguments: ["\u{33D}", "\u{301}"])
    func combiningAfterAmpersand(_ mark: String) throws {
        let pairs = try AuditFilters.pairs(fromQuery: "requestId=r1&\(mark)cursor=9").get()
        #expect(pairs.map(\.name) == ["requestId", "\(mark)cursor"])
        #expect(pairs.map(\.value) == ["r1", "9"])
    }

    @Test("A combining mark after = begins the value")
    func combiningAfterEquals() throws {
        let pairs = try AuditFilters.pairs(fromQuery: "principal=\u{301}x").get()
        #expect(pairs.map(\.name) == ["principal"])
        #expect(pairs.map(\.value) == ["\u{301}x"])
    }
}
