/// One entry of `LaunchManualCalls`.
public struct CallEntry: Decodable, LiveVoxWireEncodable, Hashable {
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

    /// Appends the entry as LiveVox reads it: integers as JSON numbers.
    public func appendLiveVoxJSON(to out: inout [UInt8]) {
        var object = JSONObjectWriter(&out)
        object.integer("transactionId", transactionId, &out)
        object.string("phoneNumber", phoneNumber, &out)
        object.string("account", account, &out)
        object.string("callerId", callerId, &out)
        object.integer("templateId", templateId, &out)
        object.integer("dialingTimeout", dialingTimeout, &out)
        object.close(&out)
    }
}
