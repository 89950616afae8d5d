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

    /// Decodes a login answer, accepting ids written as strings.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        sessionId = try c.string("sessionId")
        clientId = try c.integer("clientId")
        userId = try c.integer("userId")
        daysUntilPasswordExpires = try c.integer("daysUntilPasswordExpires")
    }
}
