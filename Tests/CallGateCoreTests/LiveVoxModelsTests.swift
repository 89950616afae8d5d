import Foundation
import Testing

@testable import CallGateCore

@Suite("LiveVox wire models")
struct LiveVoxModelsTests {
    let decoder = JSONDecoder()

    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try decoder.decode(T.self, from: Data(json.utf8))
    }

    func decode<T: LiveVoxWireDecodable>(_ type: T.Type, _ json: String) throws(LiveVoxDecodingError) -> T {
        try T(liveVoxJSON: Array(json.utf8))
    }

    func encodeSorted<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("The reference's LaunchManualCalls example decodes, dialingTimeout given as a string")
    func launchExample() throws {
        let request = try decode(LaunchManualCallsRequest.self, """
            {"callEntry": [{"phoneNumber": "4152057483", "account": "123456"},
                           {"phoneNumber": "4086462133", "dialingTimeout": "60"},
                           {"phoneNumber": "4157667320"}]}
            """)
        #expect(request.callEntry == [
            CallEntry(phoneNumber: "4152057483", account: "123456"),
            CallEntry(phoneNumber: "4086462133", dialingTimeout: 60),
            CallEntry(phoneNumber: "4157667320"),
        ])
    }

    @Test("Integers are accepted as numbers or strings of digits", arguments: [
        (#"{"phoneNumber":"1","transactionId":27460618101,"templateId":"7","dialingTimeout":60}"#, Int64(27460618101), Int64(7), 60),
        (#"{"phoneNumber":"1","transactionId":"27460618101","templateId":7,"dialingTimeout":"60"}"#, Int64(27460618101), Int64(7), 60),
    ])
    func lenientIntegers(json: String, transactionId: Int64, templateId: Int64, timeout: Int) throws {
        let entry = try decode(CallEntry.self, json)
        #expect(entry.transactionId == transactionId)
        #expect(entry.templateId == templateId)
        #expect(entry.dialingTimeout == timeout)
    }

    @Test("A non-numeric string where an integer belongs is refused, naming the key", arguments: [
        #"{"phoneNumber":"1","dialingTimeout":"sixty"}"#,
        #"{"phoneNumber":"1","dialingTimeout":"6.5"}"#,
        #"{"phoneNumber":"1","dialingTimeout":""}"#,
        #"{"phoneNumber":"1","dialingTimeout":true}"#,
    ])
    func lenientIntegerRefusals(json: String) {
        #expect {
            _ = try decode(CallEntry.self, json)
        } throws: { error in
            "\(error)".contains("dialingTimeout")
        }
    }

    @Test("ScheduleCallback decodes the reference example and writes date as a string, as LiveVox sends it")
    func scheduleCallbackRoundTrip() throws {
        let request = try decode(ScheduleCallbackRequest.self,
                                 #"{"phoneNumber": "4158149720", "account": "1234", "date": "1549398063000"}"#)
        #expect(request == ScheduleCallbackRequest(phoneNumber: "4158149720", account: "1234", date: 1_549_398_063_000))
        #expect(String(decoding: request.liveVoxJSON, as: UTF8.self)
                == #"{"phoneNumber":"4158149720","account":"1234","date":"1549398063000"}"#)
    }

    @Test("The written JSON is valid and decodes back to the same request (the members present, escaped)",
          arguments: [
            ScheduleCallbackRequest(phoneNumber: "4158149720"),
            ScheduleCallbackRequest(transactionId: 27_460_618_101, phoneNumber: "4158149720", account: "1234",
                                    agentLoginId: "agent007", date: 1_549_398_063_000, timeZone: "PT"),
            ScheduleCallbackRequest(transactionId: -1, phoneNumber: "2125550123", account: "quote \" back\\ tab\t é 😀 \u{01}",
                                    date: 0, timeZone: "ET"),
            ScheduleCallbackRequest(phoneNumber: "2125550123", agentLoginId: "a/b", date: Int64.max),
          ])
    func scheduleCallbackBytes(request: ScheduleCallbackRequest) throws {
        let written = request.liveVoxJSON
        #expect(try JSONSerialization.jsonObject(with: Data(written)) is NSDictionary)
        #expect(try decode(ScheduleCallbackRequest.self, String(decoding: written, as: UTF8.self)) == request)
    }

    @Test("The bytes sent to LiveVox: members in the reference's order, nothing for absent ones, strings escaped",
          arguments: [
            (ScheduleCallbackRequest(transactionId: 27_460_618_101, phoneNumber: "4158149720", account: "1234",
                                     agentLoginId: "agent007", date: 1_549_398_063_000, timeZone: "PT") as any LiveVoxWireEncodable,
             #"{"transactionId":27460618101,"phoneNumber":"4158149720","account":"1234","agentLoginId":"agent007","date":"1549398063000","timeZone":"PT"}"#),
            (ScheduleCallbackRequest(phoneNumber: "4158149720"), #"{"phoneNumber":"4158149720"}"#),
            (ScheduleCallbackRequest(phoneNumber: "2125550123", account: "q\"b\\s/t\tn\n\u{01}\u{7F}é😀"),
             #"{"phoneNumber":"2125550123","account":"q\"b\\s/t\tn\n\u0001\u007fé😀"}"#),
            (LaunchManualCallsRequest(callEntry: [
                CallEntry(transactionId: 27_460_618_101, phoneNumber: "4152057483", account: "123456",
                          callerId: "8005550100", templateId: 7, dialingTimeout: 60),
                CallEntry(phoneNumber: "4086462133"),
             ]),
             #"{"callEntry":[{"transactionId":27460618101,"phoneNumber":"4152057483","account":"123456","callerId":"8005550100","templateId":7,"dialingTimeout":60},{"phoneNumber":"4086462133"}]}"#),
            (LaunchManualCallsRequest(callEntry: [CallEntry(phoneNumber: "4152057483", account: "a \"b\" / c\\")]),
             #"{"callEntry":[{"phoneNumber":"4152057483","account":"a \"b\" / c\\"}]}"#),
            (LaunchManualCallsRequest(callEntry: []), #"{"callEntry":[]}"#),
            (LoginRequest(clientName: "SIM", userName: "sim-user", password: "p\"w/d"),
             #"{"clientName":"SIM","userName":"sim-user","password":"p\"w/d","agent":false}"#),
          ])
    func exactBytes(model: any LiveVoxWireEncodable, json: String) {
        #expect(String(decoding: model.liveVoxJSON, as: UTF8.self) == json)
    }

    @Test("Non-attempted calls decode the reference example and encode with its string quirks")
    func nonAttemptedExample() throws {
        let json = """
            {"nonAttemptedManualCalls": [{"transactionId": "27460618101", "phoneNumber": "6503517524",
             "reason": "Outside of allowable dialing window", "errorCode": "998", "timeOfFailure": "2014-02-06T14:44:02.2"}]}
            """
        let response = try decode(NonAttemptedManualCallsResponse.self, json)
        let call = NonAttemptedManualCall(transactionId: 27_460_618_101, phoneNumber: "6503517524",
                                          reason: "Outside of allowable dialing window", errorCode: 998,
                                          timeOfFailure: "2014-02-06T14:44:02.2")
        #expect(response.nonAttemptedManualCalls == [call])
        #expect(try encodeSorted(call) == #"{"errorCode":"998","phoneNumber":"6503517524","reason":"Outside of allowable dialing window","timeOfFailure":"2014-02-06T14:44:02.2","transactionId":"27460618101"}"#)
    }

    @Test("Queue stats decode the reference example")
    func queueStats() throws {
        let stats = try decode(QueueStats.self, """
            {"availableAgents": 7, "callsOnHold": 2, "callsToBeLaunched": 14, "callsInProgress": 8, "maxAgents": 26}
            """)
        #expect(stats == QueueStats(availableAgents: 7, callsOnHold: 2, callsToBeLaunched: 14, callsInProgress: 8, maxAgents: 26))
    }

    @Test("Login: agent defaults to false; the answer accepts ids as strings")
    func login() throws {
        let request = try decode(LoginRequest.self, #"{"clientName":"SIM","userName":"u","password":"p"}"#)
        #expect(request == LoginRequest(clientName: "SIM", userName: "u", password: "p", agent: false))
        let answer = try decode(LoginResponse.self,
                                #"{"sessionId":"abc","clientId":"12","userId":34,"daysUntilPasswordExpires":90}"#)
        #expect(answer == LoginResponse(sessionId: "abc", clientId: 12, userId: 34, daysUntilPasswordExpires: 90))
    }

    @Test("LiveVox error bodies: both fields optional, code as number or string", arguments: [
        (#"{"code": 401, "message": "Session expired"}"#, LiveVoxErrorBody(code: 401, message: "Session expired")),
        (#"{"code": "1001"}"#, LiveVoxErrorBody(code: 1001, message: nil)),
        (#"{}"#, LiveVoxErrorBody(code: nil, message: nil)),
    ])
    func errorBody(json: String, expected: LiveVoxErrorBody) throws {
        #expect(try decode(LiveVoxErrorBody.self, json) == expected)
    }

    @Test("LiveVox answers that are not the model are refused, naming the member", arguments: [
        (#"[1]"#, "Expected an object, got an array."),
        (#"{"availableAgents": 7}"#, "'callsOnHold' is missing."),
        (#"{"availableAgents": 7, "callsOnHold": null, "callsToBeLaunched": 1, "callsInProgress": 1, "maxAgents": 1}"#,
         "'callsOnHold' is missing."),
        (#"{"availableAgents": 7.5, "callsOnHold": 2, "callsToBeLaunched": 1, "callsInProgress": 1, "maxAgents": 1}"#,
         "Expected an integer or a string of digits for 'availableAgents', got a number."),
        (#"{"availableAgents": "7 ", "callsOnHold": 2, "callsToBeLaunched": 1, "callsInProgress": 1, "maxAgents": 1}"#,
         #"Expected an integer or a string of digits for 'availableAgents', got "7 "."#),
        (#"{"availableAgents": 99999999999999999999, "callsOnHold": 2}"#,
         "Expected an integer or a string of digits for 'availableAgents', got a number."),
        (#"{"availableAgents": 7"#, "The body is not valid JSON: unexpected end of input, expected ',' or '}' at line 1, column 22."),
    ])
    func queueStatsRefusals(json: String, expected: String) {
        #expect(throws: LiveVoxDecodingError(description: expected)) { try decode(QueueStats.self, json) }
    }

    @Test("Nested records name their position; an integer too large for its field is refused")
    func nestedRefusals() {
        #expect(throws: LiveVoxDecodingError(description: "'nonAttemptedManualCalls[1].reason' is missing.")) {
            try decode(NonAttemptedManualCallsResponse.self, """
                {"nonAttemptedManualCalls": [
                  {"transactionId": 1, "phoneNumber": "6503517524", "reason": "r", "errorCode": 998, "timeOfFailure": "t"},
                  {"transactionId": 2, "phoneNumber": "6503517524", "errorCode": 998, "timeOfFailure": "t"}]}
                """)
        }
        #expect(throws: LiveVoxDecodingError(description: "Expected an array for 'nonAttemptedManualCalls', got an object.")) {
            try decode(NonAttemptedManualCallsResponse.self, #"{"nonAttemptedManualCalls": {}}"#)
        }
        let small = try? LiveVoxWireObject(.object([(key: "count", value: .integer(300))]), path: "")
        #expect(throws: LiveVoxDecodingError(description: "Expected an integer or a string of digits for 'count', got 300, which is out of range.")) {
            try small?.integer("count", as: UInt8.self)
        }
    }
}
