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
