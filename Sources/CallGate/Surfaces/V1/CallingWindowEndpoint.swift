import CallGateAuditFilters
import CallGateCore
import CallGateStorage

/// `GET /v1/calling-window?serviceId=&phone=&at=&state=&timeZone=&durationSeconds=`: asks first
/// whether a call may start, under the service's profile, and answers exactly the object
/// `callgate check window` writes for the same inputs (its encoder, ``WindowCheck``): 200 when the
/// number could be checked (allowed or not), 422 with the same object and its `error` when it
/// could not (an invalid number, a toll-free one without `state`). A malformed query is 400
/// `invalid_query`. Any role may ask, for the services its key may use.
struct CallingWindowEndpoint: Sendable {
    let gate: CallingWindowGate
    let allowedRegions: PhoneRegionSet
    let nowMillis: @Sendable () -> Int64

    static let parameters = ["serviceId", "phone", "at", "state", "timeZone", "durationSeconds"]

    func answer(_ request: GatewayRequest, serviceId: Int64, draft: inout AuditDraft) throws(Problem) -> GatewayResponse {
        let pairs: [(name: String, value: String)]
        switch AuditFilters.pairs(fromQuery: request.query) {
        case .success(let parsed): pairs = parsed
        case .failure(let refusal): throw Problem(refusal)
        }
        var values: [String: String] = [:]
        for (name, value) in pairs {
            guard Self.parameters.contains(name) else {
                throw Self.invalid("The query parameter '\(name.prefix(60))' is not one of \(Self.parameters.joined(separator: ", ")).")
            }
            guard values[name] == nil else { throw Self.invalid("The query parameter '\(name)' is given twice.") }
            values[name] = value
        }
        guard let phone = values["phone"], !phone.isEmpty else {
            throw Self.invalid("Give the number to check: ?serviceId=\(serviceId)&phone=8504341234 (and at=, an ISO 8601 instant; default now).")
        }
        guard phone.utf8.count <= 64, !phone.contains(",") else {
            throw Self.invalid("The query parameter 'phone' is not a phone number (at most 64 characters, no comma).")
        }
        let at = try values["at"].map(Self.instant) ?? nowMillis()
        let duration = try values["durationSeconds"].map(Self.duration) ?? 0
        let state = values["state"]
        if let state, !KnownStates.us.contains(state), !KnownStates.canada.contains(state) {
            throw Self.invalid("The query parameter 'state' is '\(state.prefix(20))': use a US state, district or territory code, or a Canadian province code (e.g. FL, DC, PR, ON).")
        }
        var zone: IANATimeZone?
        if let name = values["timeZone"] {
            guard state != nil else { throw Self.invalid("The query parameter 'timeZone' gives the zone of the party's state: give 'state' too.") }
            do throws(TimeZoneError) {
                zone = try ResolvedTimeZone.resolve(name).zone
            } catch {
                throw Self.invalid("The query parameter 'timeZone': \(error.detail)")
            }
        }

        let check = WindowCheck(format: .jsonl, windows: gate.windows, policy: gate.policy(forService: serviceId),
                                defaultAtEpochMillis: at, durationSeconds: duration, state: state, timeZone: zone)
        var body: [UInt8] = []
        let decision = Array(phone.utf8).withUnsafeBufferPointer { check.decide(line: $0, into: &body) }
        if let parsed = try? PhoneNumber.parse(phone, allowed: allowedRegions) {
            draft.phones = [parsed.national]
            draft.entryCount = 1
        }
        guard let decision else { return .json(422, body) }
        draft.callingWindow = AuditCallingWindow(profile: decision.profile.rawValue, ruleIds: decision.blockedBy.map(\.id),
                                                 nextAllowedAtMillis: decision.nextAllowedAtEpochMillis, rulesDigest: gate.rulesDigest)
        return .json(200, body)
    }

    private static func instant(_ text: String) throws(Problem) -> Int64 {
        do throws(DateTimeError) {
            return try ResolvedDateTime.resolve(.text(text), timeZone: nil).epochMillis
        } catch {
            throw invalid("The query parameter 'at': \(error.detail)")
        }
    }

    private static func duration(_ text: String) throws(Problem) -> Int64 {
        guard let seconds = Int64(text), (0...CallingWindows.maximumDurationSeconds).contains(seconds) else {
            throw invalid("The query parameter 'durationSeconds' is '\(text.prefix(20))': use a whole number from 0 to \(CallingWindows.maximumDurationSeconds).")
        }
        return seconds
    }

    private static func invalid(_ detail: String) -> Problem {
        Problem(400, .invalidQuery, detail)
    }
}
