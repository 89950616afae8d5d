import Testing

@testable import CallGateCore

@Suite("Non-attempted call error catalog")
struct NonAttemptedCallCodeTests {
    @Test("The catalog holds exactly the reference's twenty codes")
    func allCodes() {
        #expect(Set(NonAttemptedCallCode.allCases.map(\.rawValue)) == [
            440, 486, 999, 998, 799, 899, 900, 901, 902, 1000,
            601, 602, 603, 604, 605, 606, 607, 9999, 9998, 9997,
        ])
    }

    @Test("Each code carries the reference's reason, its category and whether a retry can succeed", arguments: [
        (440, "Busy", NonAttemptedCallCode.Category.busy, true),
        (486, "Busy", .busy, true),
        (999, "Outside of allowable dialing window", .dialingWindow, true),
        (998, "Outside of allowable dialing window", .dialingWindow, true),
        (799, "No agents available to dial", .noAgents, true),
        (899, "Invalid phone number", .invalidNumber, false),
        (900, "Call disabled", .disabled, false),
        (901, "Call exceeds queued", .queue, true),
        (902, "Call invalid queued", .queue, false),
        (1000, "Phone number on DNC list", .dnc, false),
        (601, "Max attempts reached for account", .account, false),
        (602, "No account information available", .account, false),
        (603, "Account attempts PK violation", .account, false),
        (604, "Account unknown status", .account, false),
        (605, "Account default", .account, false),
        (606, "Account undefined status", .account, false),
        (607, "Account number on DNC list", .dnc, false),
        (9999, "Invalid dialing sequence, please contact support", .support, false),
        (9998, "Campaign is not available", .campaign, true),
        (9997, "Campaign inactive.", .campaign, true),
    ])
    func entry(code: Int, reason: String, category: NonAttemptedCallCode.Category, retryable: Bool) throws {
        let entry = try #require(NonAttemptedCallCode(rawValue: code))
        #expect(entry.reason == reason)
        #expect(entry.category == category)
        #expect(entry.isRetryable == retryable)
    }

    @Test("Category names are the stable wire names")
    func categoryNames() {
        #expect(NonAttemptedCallCode.Category.allCases.map(\.rawValue) == [
            "busy", "dialing_window", "no_agents", "invalid_number", "disabled", "queue", "dnc", "account", "campaign", "support",
        ])
    }

    @Test("An unknown code is not in the catalog")
    func unknown() {
        #expect(NonAttemptedCallCode(rawValue: 123) == nil)
    }
}
