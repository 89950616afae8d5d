/// The catalog of LiveVox's non-attempted manual call error codes: all twenty codes the reference
/// lists (`GetNonAttemptedManualCalls`), each with LiveVox's reason text, a category a CRM can act
/// on, and whether trying the same call again later can succeed.
///
/// Source: LiveVox Supervisor Calls API reference, "Get Non Attempted Manual Calls".
/// `retryable` is CallGate's judgement, written down once here: busy lines, dialing windows,
/// agent shortage, queue overflow and campaign availability pass with time; a bad number, a DNC
/// entry, a disabled call and the account states do not.
public enum NonAttemptedCallCode: Int, Sendable, Hashable, CaseIterable, Codable {
    case busy440 = 440
    case busy486 = 486
    case outsideDialingWindow999 = 999
    case outsideDialingWindow998 = 998
    case noAgentsAvailable = 799
    case invalidPhoneNumber = 899
    case callDisabled = 900
    case callExceedsQueued = 901
    case callInvalidQueued = 902
    case phoneNumberOnDNC = 1000
    case maxAttemptsReached = 601
    case noAccountInformation = 602
    case accountAttemptsPKViolation = 603
    case accountUnknownStatus = 604
    case accountDefault = 605
    case accountUndefinedStatus = 606
    case accountNumberOnDNC = 607
    case invalidDialingSequence = 9999
    case campaignNotAvailable = 9998
    case campaignInactive = 9997

    /// What kind of failure a code is, for filtering and routing.
    public enum Category: String, Sendable, Hashable, CaseIterable, Codable {
        case busy
        case dialingWindow = "dialing_window"
        case noAgents = "no_agents"
        case invalidNumber = "invalid_number"
        case disabled
        case queue
        case dnc
        case account
        case campaign
        case support
    }

    /// LiveVox's reason text, as the reference spells it.
    public var reason: String { Self.entries[self]!.reason }
    /// The category of the failure.
    public var category: Category { Self.entries[self]!.category }
    /// Whether launching the same call later can succeed.
    public var isRetryable: Bool { Self.entries[self]!.retryable }

    private static let entries: [NonAttemptedCallCode: (reason: String, category: Category, retryable: Bool)] = [
        .busy440: ("Busy", .busy, true),
        .busy486: ("Busy", .busy, true),
        .outsideDialingWindow999: ("Outside of allowable dialing window", .dialingWindow, true),
        .outsideDialingWindow998: ("Outside of allowable dialing window", .dialingWindow, true),
        .noAgentsAvailable: ("No agents available to dial", .noAgents, true),
        .invalidPhoneNumber: ("Invalid phone number", .invalidNumber, false),
        .callDisabled: ("Call disabled", .disabled, false),
        .callExceedsQueued: ("Call exceeds queued", .queue, true),
        .callInvalidQueued: ("Call invalid queued", .queue, false),
        .phoneNumberOnDNC: ("Phone number on DNC list", .dnc, false),
        .maxAttemptsReached: ("Max attempts reached for account", .account, false),
        .noAccountInformation: ("No account information available", .account, false),
        .accountAttemptsPKViolation: ("Account attempts PK violation", .account, false),
        .accountUnknownStatus: ("Account unknown status", .account, false),
        .accountDefault: ("Account default", .account, false),
        .accountUndefinedStatus: ("Account undefined status", .account, false),
        .accountNumberOnDNC: ("Account number on DNC list", .dnc, false),
        .invalidDialingSequence: ("Invalid dialing sequence, please contact support", .support, false),
        .campaignNotAvailable: ("Campaign is not available", .campaign, true),
        .campaignInactive: ("Campaign inactive.", .campaign, true),
    ]
}
