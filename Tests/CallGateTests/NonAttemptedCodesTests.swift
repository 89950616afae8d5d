import CallGateCore
import LiveVoxSimulator
import Testing

@testable import CallGate

@Suite("Every non-attempted code, end to end")
struct NonAttemptedCodesTests {
    /// The twenty codes of the reference's `GetNonAttemptedManualCalls`, with LiveVox's reason text,
    /// and the category and `retryable` the README documents for each: written out here, not read
    /// from `NonAttemptedCallCode`, so a change to the catalog shows up as a failure.
    static let expected: [(code: Int, reason: String, category: String, retryable: Bool)] = [
        (440, "Busy", "busy", true),
        (486, "Busy", "busy", true),
        (999, "Outside of allowable dialing window", "dialing_window", true),
        (998, "Outside of allowable dialing window", "dialing_window", true),
        (799, "No agents available to dial", "no_agents", true),
        (899, "Invalid phone number", "invalid_number", false),
        (900, "Call disabled", "disabled", false),
        (901, "Call exceeds queued", "queue", true),
        (902, "Call invalid queued", "queue", false),
        (1000, "Phone number on DNC list", "dnc", false),
        (601, "Max attempts reached for account", "account", false),
        (602, "No account information available", "account", false),
        (603, "Account attempts PK violation", "account", false),
        (604, "Account unknown status", "account", false),
        (605, "Account default", "account", false),
        (606, "Account undefined status", "account", false),
        (607, "Account number on DNC list", "dnc", false),
        (9999, "Invalid dialing sequence, please contact support", "support", false),
        (9998, "Campaign is not available", "campaign", true),
        (9997, "Campaign inactive.", "campaign", true),
    ]

    @Test("Each of the twenty codes LiveVox reports comes back through /v1 with its reason, category and retryable")
    func everyCode() async throws {
        try await withGateway { gateway in
            let numbers = Self.expected.indices.map { "41581497\(String(format: "%02d", $0))" }
            for (number, row) in zip(numbers, Self.expected) {
                try gateway.simulator.simulator.addLaunchFailure(
                    LaunchFailureRule(phoneNumber: number, errorCode: row.code, serviceId: 21429, count: 1))
            }
            let calls = numbers.map { #"{"phone": "\#($0)"}"# }.joined(separator: ",")
            let launched = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [\#(calls)]}"#)
            #expect((200..<300).contains(launched.status), "\(launched.text)")
            #expect(gateway.simulator.simulator.launches.map(\.refusedWithCode) == Self.expected.map(\.code))

            let answer = await gateway.send("GET", "/v1/services/21429/non-attempted-calls", key: "manager")
            #expect(answer.status == 200, "\(answer.text)")
            guard case .array(let listed)? = answer.json?["calls"] else {
                Issue.record("no calls array: \(answer.text)")
                return
            }
            #expect(listed.count == Self.expected.count)
            for (index, (item, row)) in zip(listed, Self.expected).enumerated() {
                #expect(item["errorCode"] == .integer(Int64(row.code)))
                #expect(item["reason"] == .string(row.reason))
                #expect(item["category"] == .string(row.category), "code \(row.code)")
                #expect(item["retryable"] == .bool(row.retryable), "code \(row.code)")
                guard case .string(let phone)? = item["phone"] else {
                    Issue.record("code \(row.code): no phone")
                    continue
                }
                #expect(phone.hasSuffix(numbers[index]), "code \(row.code): \(phone)")
            }
        }
    }

    @Test("Filtering by category through /v1 finds the simulated codes of that category only")
    func filterByCategory() async throws {
        try await withGateway { gateway in
            let rows = Self.expected.filter { $0.category == "account" }
            let numbers = rows.indices.map { "41581498\(String(format: "%02d", $0))" }
            for (number, row) in zip(numbers, rows) {
                try gateway.simulator.simulator.addLaunchFailure(LaunchFailureRule(phoneNumber: number, errorCode: row.code))
            }
            try gateway.simulator.simulator.addLaunchFailure(LaunchFailureRule(phoneNumber: "4158149900", errorCode: 486))
            let calls = (numbers + ["4158149900"]).map { #"{"phone": "\#($0)"}"# }.joined(separator: ",")
            _ = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [\#(calls)]}"#)
            let answer = await gateway.send("GET", "/v1/services/21429/non-attempted-calls?category=account", key: "manager")
            guard case .array(let listed)? = answer.json?["calls"] else {
                Issue.record("no calls array: \(answer.text)")
                return
            }
            #expect(listed.map { $0["errorCode"] } == rows.map { .integer(Int64($0.code)) })
        }
    }
}
