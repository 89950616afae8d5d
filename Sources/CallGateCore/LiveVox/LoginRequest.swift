/// The body of `POST /session/login`; the access token travels in the `LV-Access` header.
public struct LoginRequest: Decodable, LiveVoxWireEncodable, Hashable {
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

    /// Appends the login, `agent` always written.
    public func appendLiveVoxJSON(to out: inout [UInt8]) {
        var object = JSONObjectWriter(&out)
        object.string("clientName", clientName, &out)
        object.string("userName", userName, &out)
        object.string("password", password, &out)
        object.key("agent", &out)
        JSONBytes.appendBool(agent, to: &out)
        object.close(&out)
    }
}
