import Testing

@testable import CallGateCore

@Suite("Request validation and normalization")
struct RequestValidatorTests {
    let validator = RequestValidator(maxBatchSize: 3)
    /// 2026-06-01T12:00:00Z.
    let now: Int64 = 1_780_315_200_000

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    func errors<T>(_ result: Result<T, ValidationFailure>) -> [FieldIssue] {
        if case .failure(let failure) = result { return failure.errors }
        return []
    }

    @Test("A /v1 batch is normalized to the 10 digits LiveVox dials")
    func v1ManualCalls() throws {
        let body = try json("""
            {"calls": [{"phone": "+1 (415) 205-7483", "account": "A-1", "callerId": "1-800-FLOWERS", "templateId": 7,
                        "dialingTimeoutSeconds": 60, "transactionId": 27460618101},
                       {"phone": "408.646.2133"}]}
            """)
        let calls = try validator.manualCalls(body, surface: .v1).get()
        #expect(calls.request == LaunchManualCallsRequest(callEntry: [
            CallEntry(transactionId: 27_460_618_101, phoneNumber: "4152057483", account: "A-1", callerId: "8003569377",
                      templateId: 7, dialingTimeout: 60),
            CallEntry(phoneNumber: "4086462133"),
        ]))
        #expect(calls.phones.map(\.e164) == ["+14152057483", "+14086462133"])
    }

    @Test("The compatible surface takes LiveVox's names and its integers written as strings")
    func compatibleManualCalls() throws {
        let body = try json(#"{"callEntry": [{"phoneNumber": "4086462133", "dialingTimeout": "60", "unknownToLiveVox": 1}]}"#)
        let calls = try validator.manualCalls(body, surface: .compatible).get()
        #expect(calls.request.callEntry == [CallEntry(phoneNumber: "4086462133", dialingTimeout: 60)])
    }

    @Test("A batch with any invalid entry is refused whole, with one error per problem, each with its pointer")
    func everyErrorReported() throws {
        let body = try json("""
            {"calls": [{"phone": "4152057483"}, {"phone": "12345", "templateId": "7"}, "x",
                       {"account": "", "dialingTimeoutSeconds": 0, "extra": true}], "more": 1}
            """)
        let found = errors(RequestValidator(maxBatchSize: 10).manualCalls(body, surface: .v1))
        #expect(found.map(\.pointer) == ["/more", "/calls/1/phone", "/calls/1/templateId", "/calls/2",
                                         "/calls/3/extra", "/calls/3/phone", "/calls/3/account", "/calls/3/dialingTimeoutSeconds"])
        #expect(found.map(\.code) == ["unknown_field", "too_short", "wrong_type", "wrong_type",
                                      "unknown_field", "required", "invalid_length", "out_of_range"])
    }

    @Test("Shape errors carry exact codes and sentences", arguments: [
        (#"{"calls": []}"#, "/calls", "empty_batch", "'calls' holds no call; send 1 to 3."),
        (#"{"calls": [{}, {}, {}, {}]}"#, "/calls", "batch_too_large", "'calls' holds 4 calls; at most 3 per request."),
        (#"{}"#, "/calls", "required", "'calls' is required."),
        (#"[]"#, "", "wrong_type", "Expected an object, got an array."),
        (#"{"calls": {"phone": "4152057483"}}"#, "/calls", "wrong_type", "'calls' must be an array of calls, got an object."),
        (#"{"calls": [{"phone": 4152057483}]}"#, "/calls/0/phone", "wrong_type", "'phone' must be a string such as \"(415) 205-7483\", got a number."),
        (#"{"calls": [{"phone": "4152057483", "templateId": "7"}]}"#, "/calls/0/templateId", "wrong_type", "'templateId' must be an integer, got a string."),
        (#"{"calls": [{"phone": "4152057483", "dialingTimeoutSeconds": 86401}]}"#, "/calls/0/dialingTimeoutSeconds", "out_of_range", "'dialingTimeoutSeconds' must be from 1 to 86400, got 86401."),
        (#"{"calls": [{"phone": "4152057483", "transactionId": -1}]}"#, "/calls/0/transactionId", "out_of_range", "'transactionId' must be from 1 to 9223372036854775807, got -1."),
        (#"{"calls": [{"phone": "4152057483", "account": ""}]}"#, "/calls/0/account", "invalid_length", "'account' must have 1 to 100 characters, got 0."),
        (#"{"calls": [{"phone": "4152057483", "colour": "red"}]}"#, "/calls/0/colour", "unknown_field", "Unknown field 'colour'; the fields are: phone, account, callerId, templateId, dialingTimeoutSeconds, transactionId, state, timeZone."),
        (#"{"calls": [{"phone": "4152057483", "a/b~c": 1}]}"#, "/calls/0/a~1b~0c", "unknown_field", "Unknown field 'a/b~c'; the fields are: phone, account, callerId, templateId, dialingTimeoutSeconds, transactionId, state, timeZone."),
        (#"{"calls": [{"phone": "4152057483", "timeZone": "ET"}]}"#, "/calls/0/state", "required", "'timeZone' gives the zone of the party's state: give 'state' too (e.g. \"FL\")."),
        (#"{"calls": [{"phone": "4152057483", "state": "ZZ"}]}"#, "/calls/0/state", "unknown_state", "\"ZZ\" is not a US state, district or territory code, or a Canadian province code (e.g. FL, DC, PR, ON)."),
        (#"{"calls": [{"phone": "4152057483", "state": "FL", "timeZone": "Mars/Olympus"}]}"#, "/calls/0/timeZone", "unknown_timezone", nil),
        (#"{"calls": [{"phone": "876 555 0123"}]}"#, "/calls/0/phone", "unsupported_region", nil),
        (#"{"calls": [{"phone": "415 205 7483 ext 12"}]}"#, "/calls/0/phone", "extension_not_supported", nil),
    ] as [(String, String, String, String?)])
    func shapeErrors(body: String, pointer: String, code: String, detail: String?) throws {
        let found = errors(validator.manualCalls(try json(body), surface: .v1))
        #expect(found.count == 1)
        #expect(found.first?.pointer == pointer)
        #expect(found.first?.code == code)
        if let detail { #expect(found.first?.detail == detail) }
    }

    @Test("A /v1 entry's state and zone are kept for the calling-window check, not forwarded; the compatible surface drops them")
    func partyLocation() throws {
        let body = #"{"calls": [{"phone": "8002752273", "state": "FL", "timeZone": "CT"}, {"phone": "4152057483"}]}"#
        let calls = try validator.manualCalls(try json(body), surface: .v1).get()
        #expect(calls.partyLocations == [RequestValidator.PartyLocation(state: "FL", timeZone: IANATimeZone.named("America/Chicago")), nil])
        #expect(!String(decoding: calls.request.liveVoxJSON, as: UTF8.self).contains("state"))
        let compatible = try validator.manualCalls(try json(#"{"callEntry": [{"phoneNumber": "8002752273", "state": "FL"}]}"#), surface: .compatible).get()
        #expect(compatible.partyLocations == [nil])
    }

    @Test("A /v1 callback without a time zone takes the number's own zone")
    func callbackZoneFromNumber() throws {
        let body = try json(#"{"phone": "(212) 555-0123", "at": "2026-06-02T10:00", "account": "1234"}"#)
        let callback = try validator.callback(body, surface: .v1, nowMillis: now).get()
        // 10:00 EDT = 14:00Z.
        #expect(callback.request == ScheduleCallbackRequest(phoneNumber: "2125550123", account: "1234",
                                                            date: 1_780_408_800_000, timeZone: "ET"))
        #expect(callback.warnings.isEmpty)
    }

    @Test("An explicit zone is mapped to its LiveVox code, approximations are reported as warnings")
    func callbackApproximatedZone() throws {
        let body = try json(#"{"phone": "6025550123", "at": "2026-06-02T10:00", "timeZone": "America/Phoenix"}"#)
        let callback = try validator.callback(body, surface: .v1, nowMillis: now).get()
        // Phoenix is UTC-7 all year: 10:00 = 17:00Z.
        #expect(callback.request.date == 1_780_419_600_000)
        #expect(callback.request.timeZone == "MT")
        #expect(callback.warnings.map(\.code) == ["timezone_approximated"])
        #expect(callback.warnings.map(\.pointer) == ["/timeZone"])
    }

    @Test("The compatible callback keeps LiveVox's names; epoch strings and ISO dates become epoch milliseconds", arguments: [
        (#"{"phoneNumber": "4158149720", "account": "1234", "date": "1849398063000"}"#, Int64(1_849_398_063_000), "PT"),
        (#"{"phoneNumber": "4158149720", "date": "2026-06-02T10:00:00-04:00", "timeZone": "et"}"#, Int64(1_780_408_800_000), "ET"),
        (#"{"phoneNumber": "4158149720"}"#, nil, "PT"),
    ] as [(String, Int64?, String)])
    func compatibleCallback(body: String, date: Int64?, zone: String) throws {
        let callback = try validator.callback(try json(body), surface: .compatible, nowMillis: now).get()
        #expect(callback.request.date == date)
        #expect(callback.request.timeZone == zone)
        #expect(callback.request.phoneNumber == "4158149720")
    }

    @Test("Callback refusals carry exact codes at exact pointers", arguments: [
        (#"{"phone": "2125550123", "at": "2026-05-01T10:00"}"#, "/at", "in_the_past"),
        (#"{"phone": "2125550123", "at": "2027-03-14T02:30"}"#, "/at", "nonexistent_local_time"),
        (#"{"phone": "8005550123", "at": "2026-07-01T10:00"}"#, "/at", "missing_timezone"),
        (#"{"phone": "2125550123", "timeZone": "Mars/Olympus"}"#, "/timeZone", "unknown_timezone"),
        (#"{"phone": "2125550123", "timeZone": "Europe/London"}"#, "/timeZone", "unsupported_timezone"),
        (#"{"phone": "2125550123", "at": true}"#, "/at", "wrong_type"),
        (#"{"phone": "2125550123", "date": "1849398063000"}"#, "/date", "unknown_field"),
        (#"{"at": "2026-07-01T10:00Z"}"#, "/phone", "required"),
        (#"{"phone": "2125550123", "agentLoginId": ""}"#, "/agentLoginId", "invalid_length"),
    ])
    func callbackErrors(body: String, pointer: String, code: String) throws {
        let found = errors(validator.callback(try json(body), surface: .v1, nowMillis: now))
        #expect(found.map(\.pointer) == [pointer])
        #expect(found.map(\.code) == [code])
    }
}
