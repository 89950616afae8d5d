import Testing

/// The exact bytes CallGate sends LiveVox, as the simulator received them over the wire: one JSON
/// writer per wire model, members in the reference's order, absent ones left out, strings escaped.
@Suite("Bytes forwarded to LiveVox")
struct ForwardedBytesTests {
    @Test("Each operation's body reaches LiveVox exactly as written", arguments: [
        // A launch with only the number.
        ("/v1/services/21429/manual-calls", #"{"calls": [{"phone": "(415) 205-7483"}]}"#,
         "/LaunchManualCalls", #"{"callEntry":[{"phoneNumber":"4152057483"}]}"#),
        // A launch with every optional field, the account escaped.
        ("/v1/services/21429/manual-calls",
         #"{"calls": [{"phone": "+1 415 205 7483", "account": "A \"1\" / \\ é\n", "callerId": "415 814 9720", "templateId": 7, "dialingTimeoutSeconds": 60, "transactionId": 27460618101}, {"phone": "4158149720"}]}"#,
         "/LaunchManualCalls",
         #"{"callEntry":[{"transactionId":27460618101,"phoneNumber":"4152057483","account":"A \"1\" / \\ é\n","callerId":"4158149720","templateId":7,"dialingTimeout":60},{"phoneNumber":"4158149720"}]}"#),
        // The compatible surface: integers written as strings go out as numbers.
        ("/callControl/supervisor/calls/21429/LaunchManualCalls",
         #"{"callEntry": [{"phoneNumber": "415.205.7483", "dialingTimeout": "60", "transactionId": "5"}]}"#,
         "/LaunchManualCalls", #"{"callEntry":[{"transactionId":5,"phoneNumber":"4152057483","dialingTimeout":60}]}"#),
        // A callback with only the number: the number's own time zone.
        ("/v1/services/112231/callbacks", #"{"phone": "415 814 9720"}"#,
         "/ScheduleCallback", #"{"phoneNumber":"4158149720","timeZone":"PT"}"#),
        // A callback with every optional field, date as a string of epoch milliseconds.
        ("/v1/services/112231/callbacks",
         #"{"phone": "4158149720", "account": "x/y \"z\"", "agentLoginId": "agent007", "at": "2030-01-01T00:00:00Z", "timeZone": "ET", "transactionId": 42}"#,
         "/ScheduleCallback",
         #"{"transactionId":42,"phoneNumber":"4158149720","account":"x/y \"z\"","agentLoginId":"agent007","date":"1893456000000","timeZone":"ET"}"#),
        ("/callControl/supervisor/calls/112231/ScheduleCallback",
         #"{"phoneNumber": "4158149720", "account": "1234", "date": "1893456000000"}"#,
         "/ScheduleCallback", #"{"phoneNumber":"4158149720","account":"1234","date":"1893456000000","timeZone":"PT"}"#),
    ])
    func forwarded(path: String, body: String, upstreamSuffix: String, sent: String) async throws {
        try await withGateway { gateway in
            _ = await gateway.send("POST", path, key: "manager", body: body)
            let received = gateway.simulator.simulator.requests.last { $0.path.hasSuffix(upstreamSuffix) }
            #expect(received?.body == sent)
        }
    }
}
