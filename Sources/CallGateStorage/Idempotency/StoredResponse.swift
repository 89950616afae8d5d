/// A response kept for replay.
public struct StoredResponse: Sendable, Hashable {
    /// One header field.
    public struct Header: Sendable, Hashable {
        /// The field name, e.g. `Content-Type`.
        public var name: String
        /// The field value.
        public var value: String

        /// Creates a header field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP status.
    public var status: Int
    /// The header fields to replay, in order (not `X-Request-ID`: each request has its own).
    public var headers: [Header]
    /// The body.
    public var body: [UInt8]

    /// Creates a response to keep.
    public init(status: Int, headers: [Header], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

extension StoredResponse {
    /// The header fields as every backend stores them: a JSON array of names and values, in order.
    package var headersJSON: String {
        CanonicalJSON.encodeStringArray(headers.flatMap { [$0.name, $0.value] })
    }

    /// The header fields stored as `headersJSON`; nil when `json` is not an array of names and values.
    package static func decodeHeaders(_ json: String) -> [Header]? {
        guard let fields = CanonicalJSON.decodeStringArray(json), fields.count.isMultiple(of: 2) else { return nil }
        return stride(from: 0, to: fields.count, by: 2).map { Header(name: fields[$0], value: fields[$0 + 1]) }
    }

    /// The error for a kept response whose headers are unreadable (`decodeHeaders` is nil).
    package static func unreadableHeaders(principal: String, key: String) -> AuditStoreError {
        AuditStoreError(
            code: .corrupt,
            detail: "The response kept for idempotency key \(key) of \(principal) is unreadable: its headers are not a JSON array of names and values."
        )
    }
}
