/// The LiveVox Supervisor Calls wire models, exactly as the reference page defines them
/// (`shared/reference/livevox-supervisor-calls.txt`), plus the session login messages.
///
/// Decoding is lenient where the reference's own examples are: integers may arrive as strings.
/// Encoding writes what LiveVox writes; `NonAttemptedManualCall` can reproduce the upstream's
/// string quirks (for the simulator) or write plain numbers.

/// One entry of `LaunchManualCalls`.
public struct CallEntry: Codable, Sendable, Hashable {
    /// The account transaction id; LiveVox creates one when absent.
    public var transactionId: Int64?
    /// The number to dial (10 digits after normalization).
    public var phoneNumber: String
    /// The account number of the call.
    public var account: String?
    /// The caller id to present.
    public var callerId: String?
    /// The template to use.
    public var templateId: Int64?
    /// Seconds the call may wait for an agent before it is reported as not attempted.
    public var dialingTimeout: Int?

    /// Creates an entry.
    public init(transactionId: Int64? = nil, phoneNumber: String, account: String? = nil,
                callerId: String? = nil, templateId: Int64? = nil, dialingTimeout: Int? = nil) {
        self.transactionId = transactionId
        self.phoneNumber = phoneNumber
        self.account = account
        self.callerId = callerId
        self.templateId = templateId
        self.dialingTimeout = dialingTimeout
    }

    enum CodingKeys: String, CodingKey {
        case transactionId, phoneNumber, account, callerId, templateId, dialingTimeout
    }

    /// Decodes an entry, accepting integers written as strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.decodeLenientIntegerIfPresent(Int64.self, forKey: .transactionId)
        phoneNumber = try c.decode(String.self, forKey: .phoneNumber)
        account = try c.decodeIfPresent(String.self, forKey: .account)
        callerId = try c.decodeIfPresent(String.self, forKey: .callerId)
        templateId = try c.decodeLenientIntegerIfPresent(Int64.self, forKey: .templateId)
        dialingTimeout = try c.decodeLenientIntegerIfPresent(Int.self, forKey: .dialingTimeout)
    }
}

/// The body of `POST /callControl/supervisor/calls/{serviceId}/LaunchManualCalls`.
public struct LaunchManualCallsRequest: Codable, Sendable, Hashable {
    /// The calls to launch.
    public var callEntry: [CallEntry]

    /// Creates a request.
    public init(callEntry: [CallEntry]) { self.callEntry = callEntry }
}

/// The body of `POST /callControl/supervisor/calls/{serviceId}/ScheduleCallback`.
public struct ScheduleCallbackRequest: Codable, Sendable, Hashable {
    /// The account transaction id.
    public var transactionId: Int64?
    /// The number to call back.
    public var phoneNumber: String
    /// The account number of the call.
    public var account: String?
    /// The agent who should take the callback.
    public var agentLoginId: String?
    /// When to call, in epoch milliseconds; absent means now. LiveVox's example sends a string.
    public var date: Int64?
    /// One of ET, CT, MT, PT, AT, HI.
    public var timeZone: String?

    /// Creates a request.
    public init(transactionId: Int64? = nil, phoneNumber: String, account: String? = nil,
                agentLoginId: String? = nil, date: Int64? = nil, timeZone: String? = nil) {
        self.transactionId = transactionId
        self.phoneNumber = phoneNumber
        self.account = account
        self.agentLoginId = agentLoginId
        self.date = date
        self.timeZone = timeZone
    }

    enum CodingKeys: String, CodingKey {
        case transactionId, phoneNumber, account, agentLoginId, date, timeZone
    }

    /// Decodes a request, accepting `transactionId` and `date` written as strings.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transactionId = try c.decodeLenientIntegerIfPresent(Int64.self, forKey: .transactionId)
        phoneNumber = try c.decode(String.self, forKey: .phoneNumber)
        account = try c.decodeIfPresent(String.self, forKey: .account)
        agentLoginId = try c.decodeIfPresent(String.self, forKey: .agentLoginId)
        date = try c.decodeLenientIntegerIfPresent(Int64.self, forKey: .date)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
    }

    /// Encodes as the reference's example does: `date` as a string of epoch milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(transactionId, forKey: .transactionId)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encodeIfPresent(account, forKey: .account)
        try c.encodeIfPresent(agentLoginId, forKey: .agentLoginId)
        try c.encodeIfPresent(date.map(String.init), forKey: .date)
        try c.encodeIfPresent(timeZone, forKey: .timeZone)
    }

    /// The JSON LiveVox is sent, written straight to bytes: the same members, in the same order and
    /// form, as `encode(to:)` gives through `JSONEncoder` (which cost about 9 µs per webhook).
    public var liveVoxJSON: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(UInt8(ascii: "{"))
        if let transactionId {
            JSONBytes.appendRaw("\"transactionId\":", to: &out)
            JSONBytes.appendInteger(transactionId, to: &out)
            out.append(UInt8(ascii: ","))
        }
        JSONBytes.appendRaw("\"phoneNumber\":", to: &out)
        JSONBytes.appendString(phoneNumber, to: &out)
        if let account {
            JSONBytes.appendRaw(",\"account\":", to: &out)
            JSONBytes.appendString(account, to: &out)
        }
        if let agentLoginId {
            JSONBytes.appendRaw(",\"agentLoginId\":", to: &out)
            JSONBytes.appendString(agentLoginId, to: &out)
        }
        if let date {
            JSONBytes.appendRaw(",\"date\":\"", to: &out)
            JSONBytes.appendInteger(date, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if let timeZone {
            JSONBytes.appendRaw(",\"timeZone\":", to: &out)
            JSONBytes.appendString(timeZone, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// The answer of `GET /callControl/supervisor/calls/queue/{serviceId}`.
public struct QueueStats: Encodable, LiveVoxWireDecodable, Hashable {
    /// Agents available to take calls from the queue.
    public var availableAgents: Int
    /// Calls connected to a consumer and waiting for an agent.
    public var callsOnHold: Int
    /// Calls queued, waiting to be launched.
    public var callsToBeLaunched: Int
    /// Calls launched and in progress.
    public var callsInProgress: Int
    /// Agents logged into the service.
    public var maxAgents: Int

    /// Creates a snapshot.
    public init(availableAgents: Int, callsOnHold: Int, callsToBeLaunched: Int, callsInProgress: Int, maxAgents: Int) {
        self.availableAgents = availableAgents
        self.callsOnHold = callsOnHold
        self.callsToBeLaunched = callsToBeLaunched
        self.callsInProgress = callsInProgress
        self.maxAgents = maxAgents
    }

    enum CodingKeys: String, CodingKey {
        case availableAgents, callsOnHold, callsToBeLaunched, callsInProgress, maxAgents
    }

    /// Decodes a snapshot, accepting counts written as strings.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        availableAgents = try c.integer("availableAgents")
        callsOnHold = try c.integer("callsOnHold")
        callsToBeLaunched = try c.integer("callsToBeLaunched")
        callsInProgress = try c.integer("callsInProgress")
        maxAgents = try c.integer("maxAgents")
    }
}

/// One transaction LiveVox did not attempt to dial, and why.
public struct NonAttemptedManualCall: Encodable, LiveVoxWireDecodable, Hashable {
    /// The account transaction id (a string on LiveVox's wire).
    public var transactionId: Int64
    /// The number that was sent with the transaction.
    public var phoneNumber: String
    /// LiveVox's reason text.
    public var reason: String
    /// LiveVox's error code (a string on LiveVox's wire); see ``NonAttemptedCallCode``.
    public var errorCode: Int
    /// When the failure happened, as LiveVox writes it: a local date-time without offset,
    /// e.g. `2014-02-06T14:44:02.2`.
    public var timeOfFailure: String

    /// Creates a record.
    public init(transactionId: Int64, phoneNumber: String, reason: String, errorCode: Int, timeOfFailure: String) {
        self.transactionId = transactionId
        self.phoneNumber = phoneNumber
        self.reason = reason
        self.errorCode = errorCode
        self.timeOfFailure = timeOfFailure
    }

    enum CodingKeys: String, CodingKey {
        case transactionId, phoneNumber, reason, errorCode, timeOfFailure
    }

    /// Decodes a record, accepting `transactionId` and `errorCode` as numbers or strings.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        transactionId = try c.integer("transactionId")
        phoneNumber = try c.string("phoneNumber")
        reason = try c.string("reason")
        errorCode = try c.integer("errorCode")
        timeOfFailure = try c.string("timeOfFailure")
    }

    /// Encodes as LiveVox does: `transactionId` and `errorCode` as strings.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(String(transactionId), forKey: .transactionId)
        try c.encode(phoneNumber, forKey: .phoneNumber)
        try c.encode(reason, forKey: .reason)
        try c.encode(String(errorCode), forKey: .errorCode)
        try c.encode(timeOfFailure, forKey: .timeOfFailure)
    }
}

/// The answer of `GET /callControl/supervisor/calls/{serviceId}/GetNonAttemptedManualCalls`.
public struct NonAttemptedManualCallsResponse: Encodable, LiveVoxWireDecodable, Hashable {
    /// The transactions that were not attempted.
    public var nonAttemptedManualCalls: [NonAttemptedManualCall]

    /// Creates a response.
    public init(nonAttemptedManualCalls: [NonAttemptedManualCall]) {
        self.nonAttemptedManualCalls = nonAttemptedManualCalls
    }

    /// Decodes a response.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        nonAttemptedManualCalls = try c.array("nonAttemptedManualCalls", of: NonAttemptedManualCall.self)
    }
}

/// The body of `POST /session/login`; the access token travels in the `LV-Access` header.
public struct LoginRequest: Codable, Sendable, Hashable {
    /// The LiveVox client code.
    public var clientName: String
    /// The API user.
    public var userName: String
    /// The API user's password.
    public var password: String
    /// Whether the user logs in as an agent; always false for CallGate.
    public var agent: Bool

    /// Creates a login request.
    public init(clientName: String, userName: String, password: String, agent: Bool = false) {
        self.clientName = clientName
        self.userName = userName
        self.password = password
        self.agent = agent
    }

    enum CodingKeys: String, CodingKey { case clientName, userName, password, agent }

    /// Decodes a login request; `agent` defaults to false when absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        clientName = try c.decode(String.self, forKey: .clientName)
        userName = try c.decode(String.self, forKey: .userName)
        password = try c.decode(String.self, forKey: .password)
        agent = try c.decodeIfPresent(Bool.self, forKey: .agent) ?? false
    }
}

/// The answer of `POST /session/login`.
public struct LoginResponse: Encodable, LiveVoxWireDecodable, Hashable {
    /// The session id to send as `LV-Session`.
    public var sessionId: String
    /// The LiveVox client id.
    public var clientId: Int64
    /// The LiveVox user id.
    public var userId: Int64
    /// Days until the API user's password expires.
    public var daysUntilPasswordExpires: Int

    /// Creates a login answer.
    public init(sessionId: String, clientId: Int64, userId: Int64, daysUntilPasswordExpires: Int) {
        self.sessionId = sessionId
        self.clientId = clientId
        self.userId = userId
        self.daysUntilPasswordExpires = daysUntilPasswordExpires
    }

    enum CodingKeys: String, CodingKey { case sessionId, clientId, userId, daysUntilPasswordExpires }

    /// Decodes a login answer, accepting ids written as strings.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        sessionId = try c.string("sessionId")
        clientId = try c.integer("clientId")
        userId = try c.integer("userId")
        daysUntilPasswordExpires = try c.integer("daysUntilPasswordExpires")
    }
}

/// LiveVox's error body, `{"code": <int>, "message": "<text>"}` (likely, not documented: both optional).
public struct LiveVoxErrorBody: Encodable, LiveVoxWireDecodable, Hashable {
    /// LiveVox's numeric error code.
    public var code: Int?
    /// LiveVox's message.
    public var message: String?

    /// Creates an error body.
    public init(code: Int?, message: String?) {
        self.code = code
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case code, message }

    /// Decodes an error body, accepting the code written as a string.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        code = try c.optionalInteger("code")
        message = try c.optionalString("message")
    }
}
