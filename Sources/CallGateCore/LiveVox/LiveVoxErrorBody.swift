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

    /// Decodes an error body, accepting the code written as a string.
    public init(wire c: LiveVoxWireObject) throws(LiveVoxDecodingError) {
        code = try c.optionalInteger("code")
        message = try c.optionalString("message")
    }
}
