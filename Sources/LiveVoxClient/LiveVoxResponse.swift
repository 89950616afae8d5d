import CallGateCore

/// An upstream answer the gateway may pass through as it is: its status, body bytes and content type,
/// the decoded model on demand, and what the audit records (attempts, time spent upstream).
public struct LiveVoxResponse<Model: LiveVoxResponseModel>: Sendable {
    /// The upstream's status: 2xx, or a 4xx that is the caller's business (400, 403, 404, 405, 409...).
    public var status: Int
    /// The body, byte for byte as the upstream sent it.
    public var body: [UInt8]
    /// The upstream's `Content-Type`, when it sent one.
    public var contentType: String?
    /// Exchanges with the upstream made for the operation, a replay after a new login included.
    public var attempts: Int
    /// Time spent waiting for the upstream across the attempts (waits between attempts excluded).
    public var upstreamLatency: Duration

    /// Creates a response.
    public init(status: Int, body: [UInt8], contentType: String?, attempts: Int, upstreamLatency: Duration) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.attempts = attempts
        self.upstreamLatency = upstreamLatency
    }

    /// Whether the upstream did what was asked (2xx).
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Decodes the body as the operation's model; only meaningful when ``isSuccess``.
    public func model() throws(LiveVoxDecodingError) -> Model {
        try Model(liveVoxBody: body)
    }

    /// The upstream's `{"code", "message"}` error body, when the body is one.
    public var errorBody: LiveVoxErrorBody? {
        LiveVoxErrorBody.lenient(body)
    }
}

/// A model an operation's successful body decodes into.
public protocol LiveVoxResponseModel: Sendable {
    /// Decodes the model from the upstream's body bytes.
    init(liveVoxBody: [UInt8]) throws(LiveVoxDecodingError)
}

/// The model of operations whose success has no body (`204 No Content`); any body is ignored.
public struct LiveVoxNoContent: LiveVoxResponseModel, Hashable {
    /// Creates the value.
    public init() {}
    /// Ignores the body.
    public init(liveVoxBody: [UInt8]) {}
}

extension LiveVoxResponseModel where Self: LiveVoxWireDecodable {
    /// Decodes the model as JSON.
    public init(liveVoxBody: [UInt8]) throws(LiveVoxDecodingError) {
        try self.init(liveVoxJSON: liveVoxBody)
    }
}

extension QueueStats: LiveVoxResponseModel {}
extension NonAttemptedManualCallsResponse: LiveVoxResponseModel {}
extension LoginResponse: LiveVoxResponseModel {}

extension LiveVoxErrorBody {
    /// The error body in `bytes`, or `nil` when they are not one or say nothing.
    static func lenient(_ bytes: [UInt8]) -> LiveVoxErrorBody? {
        guard bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{"),
              let body = try? LiveVoxErrorBody(liveVoxJSON: bytes),
              body.code != nil || body.message != nil
        else { return nil }
        return body
    }
}
