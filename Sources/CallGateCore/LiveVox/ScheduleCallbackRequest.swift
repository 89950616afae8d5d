/// The body of `POST /callControl/supervisor/calls/{serviceId}/ScheduleCallback`.
public struct ScheduleCallbackRequest: Decodable, LiveVoxWireEncodable, Hashable {
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

    /// Appends the request as the reference's example writes it: `date` as a string of epoch milliseconds.
    public func appendLiveVoxJSON(to out: inout [UInt8]) {
        var object = JSONObjectWriter(&out)
        object.integer("transactionId", transactionId, &out)
        object.string("phoneNumber", phoneNumber, &out)
        object.string("account", account, &out)
        object.string("agentLoginId", agentLoginId, &out)
        if let date {
            object.key("date", &out)
            out.append(UInt8(ascii: "\""))
            JSONBytes.appendInteger(date, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        object.string("timeZone", timeZone, &out)
        object.close(&out)
    }
}
