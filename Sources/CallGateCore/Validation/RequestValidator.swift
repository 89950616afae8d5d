/// Validates and normalizes what callers send for the two LiveVox operations that change
/// something, on either surface, before anything is forwarded: phone numbers to the 10 digits
/// LiveVox dials, date-times to epoch milliseconds, time zones to a LiveVox code.
///
/// The `/v1` surface has its own field names and refuses unknown fields; the compatible surface
/// takes LiveVox's names, accepts integers written as strings (as LiveVox's examples do) and drops
/// fields LiveVox does not define. A request with any error is refused whole, with every error.
public struct RequestValidator: Sendable {
    /// The most entries a manual-call batch may hold.
    public var maxBatchSize: Int
    /// The regions whose numbers may be dialed.
    public var allowedRegions: PhoneRegionSet

    /// The longest account number accepted.
    public static let maxAccountLength = 100
    /// The longest agent login id accepted.
    public static let maxAgentLoginIdLength = 100
    /// The longest dialing timeout accepted, in seconds (one day).
    public static let maxDialingTimeoutSeconds: Int64 = 86_400

    /// Creates a validator.
    public init(maxBatchSize: Int = 1000, allowedRegions: PhoneRegionSet = .defaultAllowed) {
        self.maxBatchSize = maxBatchSize
        self.allowedRegions = allowedRegions
    }

    /// A validated manual-call batch: the body to forward and the parsed numbers (for the audit).
    public struct ManualCalls: Sendable, Hashable {
        /// The normalized LiveVox request.
        public let request: LaunchManualCallsRequest
        /// The parsed number of each entry, in order.
        public let phones: [PhoneNumber]
        /// Where the caller knows each entry's party to be (`/v1` entries' `state` and `timeZone`),
        /// in order; nil for an entry that says nothing.
        public let partyLocations: [PartyLocation?]
        /// What the caller asked for when an entry is outside its calling window (`/v1`'s
        /// `whenOutsideWindow`); nil when the body does not say.
        public var whenOutsideWindow: WhenOutsideWindow? = nil
    }

    /// What a `/v1` launch asks for when an entry is outside its calling window.
    public enum WhenOutsideWindow: String, Sendable, Hashable, CaseIterable {
        /// Refuse the batch whole (422 `outside_calling_window`), the default.
        case refuse
        /// Accept it into the outbox, sent whole at the first instant within a week when every entry is allowed.
        case `defer`
    }

    /// Where the caller knows a called party to be: a state or province, and optionally its zone.
    /// The calling-window check adds it to the places the number may be.
    public struct PartyLocation: Sendable, Hashable {
        /// A US state, district or territory code, or a Canadian province code (`FL`, `ON`).
        public let state: String
        /// The party's zone within the state; nil: every zone of the state.
        public let timeZone: IANATimeZone?

        /// Creates a location.
        public init(state: String, timeZone: IANATimeZone?) {
            self.state = state
            self.timeZone = timeZone
        }
    }

    /// A validated callback.
    public struct Callback: Sendable, Hashable {
        /// The normalized LiveVox request.
        public var request: ScheduleCallbackRequest
        /// The parsed number.
        public let phone: PhoneNumber
        /// What the caller should know (a time zone approximated, an ambiguous local time, a time
        /// moved into the calling window).
        public var warnings: [FieldIssue]
        /// Whether a time outside the calling window is moved to the next allowed instant
        /// (`"adjust": "next_allowed"` on `/v1`) rather than refused.
        public var adjustsToCallingWindow: Bool
        /// The time asked for, when the calling window moved it (epoch milliseconds; nil: "now").
        public var adjustedFrom: AdjustedTime?
        /// Where `at` lies in the body, for the warning of a moved time.
        public let atPointer: String

        /// The time a callback asked for before it was moved into the calling window.
        public struct AdjustedTime: Sendable, Hashable {
            /// The instant asked for, in milliseconds since the epoch; nil when the body asked for "now".
            public let epochMillis: Int64?

            /// Creates the time.
            public init(epochMillis: Int64?) { self.epochMillis = epochMillis }
        }

        /// Creates a validated callback.
        public init(request: ScheduleCallbackRequest, phone: PhoneNumber, warnings: [FieldIssue],
                    adjustsToCallingWindow: Bool = false, atPointer: String = "/at") {
            self.request = request
            self.phone = phone
            self.warnings = warnings
            self.adjustsToCallingWindow = adjustsToCallingWindow
            self.atPointer = atPointer
        }
    }

    /// The one value `adjust` takes on a `/v1` callback.
    public static let adjustToNextAllowed = "next_allowed"

    struct Names {
        let batch, phone, timeout, at: String
        let entryFields: [String]
        let callbackFields: [String]
    }

    static func names(_ surface: Surface) -> Names {
        switch surface {
        case .v1:
            Names(batch: "calls", phone: "phone", timeout: "dialingTimeoutSeconds", at: "at",
                  entryFields: ["phone", "account", "callerId", "templateId", "dialingTimeoutSeconds", "transactionId", "state", "timeZone"],
                  callbackFields: ["phone", "account", "agentLoginId", "at", "timeZone", "transactionId", "adjust"])
        case .compatible:
            Names(batch: "callEntry", phone: "phoneNumber", timeout: "dialingTimeout", at: "date",
                  entryFields: ["phoneNumber", "account", "callerId", "templateId", "dialingTimeout", "transactionId"],
                  callbackFields: ["phoneNumber", "account", "agentLoginId", "date", "timeZone", "transactionId"])
        }
    }

    /// The member holding a launch's entries: `calls` on `/v1`, `callEntry` on the compatible surface.
    public static func batchField(_ surface: Surface) -> String { names(surface).batch }

    /// Validates a `LaunchManualCalls` body.
    public func manualCalls(_ body: JSONValue, surface: Surface) -> Result<ManualCalls, ValidationFailure> {
        let names = Self.names(surface)
        let lenient = surface == .compatible
        var errors = FieldIssues()
        guard let root = ObjectReader(body, at: "", errors: &errors) else { return .failure(ValidationFailure(errors)) }
        var whenOutsideWindow: WhenOutsideWindow?
        if surface == .v1 {
            root.refuseUnknown(allowed: [names.batch, "whenOutsideWindow"], errors: &errors)
            if let choice = root.string("whenOutsideWindow", maxLength: 16, errors: &errors) {
                whenOutsideWindow = WhenOutsideWindow(rawValue: choice)
                if whenOutsideWindow == nil {
                    errors.append(FieldIssue.Code.unknownValue.rawValue, at: root.pointer("whenOutsideWindow"),
                        "'whenOutsideWindow' is \"refuse\" (the default: a batch with a call outside its calling window is refused) or \"defer\" (it is sent whole when the window opens for every call).")
                }
            }
        }
        guard let batch = root.value(names.batch) else {
            root.required(names.batch, errors: &errors)
            return .failure(ValidationFailure(errors))
        }
        guard case .array(let entries) = batch else {
            root.wrongType(names.batch, expected: "an array of calls", got: batch, errors: &errors)
            return .failure(ValidationFailure(errors))
        }
        let batchPointer = root.pointer(names.batch)
        if entries.isEmpty {
            errors.append(FieldIssue.Code.emptyBatch.rawValue, at: batchPointer,
                "'\(names.batch)' holds no call; send 1 to \(maxBatchSize).")
        }
        if entries.count > maxBatchSize {
            errors.append(FieldIssue.Code.batchTooLarge.rawValue, at: batchPointer,
                "'\(names.batch)' holds \(entries.count) calls; at most \(maxBatchSize) per request.")
            return .failure(ValidationFailure(errors))
        }
        var calls: [CallEntry] = []
        var phones: [PhoneNumber] = []
        var partyLocations: [PartyLocation?] = []
        calls.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            guard let reader = ObjectReader(entry, at: "\(batchPointer)/\(index)", errors: &errors) else { continue }
            if surface == .v1 { reader.refuseUnknown(allowed: names.entryFields, errors: &errors) }
            let phone = reader.phone(names.phone, required: true, allowed: allowedRegions, errors: &errors)
            let callerId = reader.phone("callerId", required: false, allowed: .all, errors: &errors)
            let account = reader.string("account", maxLength: Self.maxAccountLength, errors: &errors)
            let templateId = reader.integer("templateId", in: 1...Int64.max, lenient: lenient, errors: &errors)
            let timeout = reader.integer(names.timeout, in: 1...Self.maxDialingTimeoutSeconds, lenient: lenient, errors: &errors)
            let transactionId = reader.integer("transactionId", in: 1...Int64.max, lenient: lenient, errors: &errors)
            // LiveVox defines no location field: the compatible surface drops them as it drops
            // every field LiveVox does not define.
            let partyLocation = surface == .v1 ? Self.partyLocation(reader, errors: &errors) : nil
            guard let phone else { continue }
            phones.append(phone)
            partyLocations.append(partyLocation)
            calls.append(CallEntry(transactionId: transactionId, phoneNumber: phone.national, account: account,
                                   callerId: callerId?.national, templateId: templateId, dialingTimeout: timeout.map { Int($0) }))
        }
        guard errors.isEmpty else { return .failure(ValidationFailure(errors)) }
        return .success(ManualCalls(request: LaunchManualCallsRequest(callEntry: calls), phones: phones, partyLocations: partyLocations,
                                    whenOutsideWindow: whenOutsideWindow))
    }

    /// An entry's `state` and `timeZone`: a known state or province code, and a zone (IANA name or
    /// LiveVox code) only beside a state.
    static func partyLocation(_ reader: ObjectReader, errors: inout FieldIssues) -> PartyLocation? {
        let state = reader.string("state", maxLength: 2, errors: &errors)
        let zoneName = reader.string("timeZone", maxLength: 64, errors: &errors)
        var zone: IANATimeZone?
        if let zoneName {
            do throws(TimeZoneError) {
                zone = try ResolvedTimeZone.resolve(zoneName).zone
            } catch {
                errors.append(error.code.rawValue, at: reader.pointer("timeZone"), error.detail)
            }
            if state == nil, reader.value("state") == nil {
                errors.append(FieldIssue.Code.required.rawValue, at: reader.pointer("state"),
                    "'timeZone' gives the zone of the party's state: give 'state' too (e.g. \"FL\").")
            }
        }
        guard let state else { return nil }
        guard KnownStates.us.contains(state) || KnownStates.canada.contains(state) else {
            errors.append(CallingWindowError.Code.unknownState.rawValue, at: reader.pointer("state"),
                "\"\(state)\" is not a US state, district or territory code, or a Canadian province code (e.g. FL, DC, PR, ON).")
            return nil
        }
        return PartyLocation(state: state, timeZone: zone)
    }

    /// Validates a `ScheduleCallback` body at the instant `nowMillis` (a time before it is refused).
    ///
    /// Without a time zone, the zone is the number's own (its area code's first IANA zone); a local
    /// date-time then resolves in it. Without a date-time, LiveVox calls back at once.
    public func callback(_ body: JSONValue, surface: Surface, nowMillis: Int64) -> Result<Callback, ValidationFailure> {
        let names = Self.names(surface)
        let lenient = surface == .compatible
        var errors = FieldIssues()
        var warnings: [FieldIssue] = []
        guard let reader = ObjectReader(body, at: "", errors: &errors) else { return .failure(ValidationFailure(errors)) }
        if surface == .v1 { reader.refuseUnknown(allowed: names.callbackFields, errors: &errors) }
        let phone = reader.phone(names.phone, required: true, allowed: allowedRegions, errors: &errors)
        let account = reader.string("account", maxLength: Self.maxAccountLength, errors: &errors)
        let agentLoginId = reader.string("agentLoginId", maxLength: Self.maxAgentLoginIdLength, errors: &errors)
        let transactionId = reader.integer("transactionId", in: 1...Int64.max, lenient: lenient, errors: &errors)
        let at = reader.dateTime(names.at, errors: &errors)
        let zoneName = reader.string("timeZone", maxLength: 64, errors: &errors)
        let zonePointer = reader.pointer("timeZone")
        var adjusts = false
        if surface == .v1, let adjust = reader.string("adjust", maxLength: 32, errors: &errors) {
            if adjust == Self.adjustToNextAllowed {
                adjusts = true
            } else {
                errors.append(FieldIssue.Code.unknownValue.rawValue, at: reader.pointer("adjust"),
                    "'adjust' takes one value, \"\(Self.adjustToNextAllowed)\" (move a time outside the calling window to the next allowed instant); omit it to have such a time refused.")
            }
        }

        var zone: ResolvedTimeZone?
        if let zoneName {
            do throws(TimeZoneError) {
                zone = try ResolvedTimeZone.resolve(zoneName)
            } catch {
                errors.append(error.code.rawValue, at: zonePointer, error.detail)
            }
        } else if let phone, let numberZone = phone.timeZones.first {
            // The number's own zone; a zone no LiveVox code fits (e.g. Guam) leaves the code unset.
            zone = try? ResolvedTimeZone.resolve(numberZone)
        }
        if let zone {
            let pointer = zoneName == nil ? reader.pointer(names.phone) : zonePointer
            for warning in zone.warnings {
                warnings.append(FieldIssue(pointer: pointer, code: warning.code.rawValue, detail: warning.detail))
            }
        }

        var dateMillis: Int64?
        if let at, zoneName == nil || zone != nil {
            let atPointer = reader.pointer(names.at)
            do throws(DateTimeError) {
                let resolved = try ResolvedDateTime.resolve(at, timeZone: zone?.ianaIdentifier)
                dateMillis = resolved.epochMillis
                for warning in resolved.warnings where warning.code == .ambiguousLocalTime {
                    warnings.append(FieldIssue(pointer: atPointer, code: warning.code.rawValue, detail: warning.detail))
                }
                if resolved.epochMillis < nowMillis {
                    errors.append(FieldIssue.Code.inThePast.rawValue, at: atPointer,
                        "The callback time \(resolved.utcISO8601) has already passed; give a future time, or omit '\(names.at)' to call back now.")
                }
            } catch {
                errors.append(error.code.rawValue, at: atPointer, error.detail)
            }
        }
        guard errors.isEmpty, let phone else { return .failure(ValidationFailure(errors)) }
        let request = ScheduleCallbackRequest(transactionId: transactionId, phoneNumber: phone.national, account: account,
                                              agentLoginId: agentLoginId, date: dateMillis, timeZone: zone?.liveVox.rawValue)
        return .success(Callback(request: request, phone: phone, warnings: warnings, adjustsToCallingWindow: adjusts,
                                 atPointer: reader.pointer(names.at)))
    }
}
