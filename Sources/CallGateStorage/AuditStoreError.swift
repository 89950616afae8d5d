/// Why an audit operation failed, as a stable code and one sentence for people and logs.
///
/// The gateway answers 503 when a record cannot be written (`unavailable`), 400 for a query it
/// refused (`invalidQuery`), 404 for an unknown delivery (`notFound`) and 409 for a transition the
/// outbox or an idempotency key does not allow (`conflict`).
public struct AuditStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable codes; the raw value is what logs and problem documents carry.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The store cannot be opened, read or written right now (I/O error, disk full, locked, closed).
        case unavailable
        /// Stored data cannot be read back as audit records, the file is not an audit database, or
        /// a line of the audit witness's file is malformed or not signed by the witness key.
        case corrupt
        /// The store URL is malformed or names a kind of store this build does not support.
        case invalidURL = "invalid_url"
        /// A query's filters or bounds are out of range.
        case invalidQuery = "invalid_query"
        /// The audit secret is too short, or its file (or the witness key file) cannot be read,
        /// parsed or created.
        case invalidSecret = "invalid_secret"
        /// No delivery has the id given.
        case notFound = "not_found"
        /// The delivery or idempotency key is not in a state that allows the operation (e.g.
        /// retrying a delivery that is not dead or unknown).
        case conflict
    }

    /// What went wrong.
    public var code: Code
    /// One sentence saying what went wrong and, where it helps, what to do.
    public var detail: String

    /// Creates an error.
    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// `code: detail`.
    public var description: String { "\(code.rawValue): \(detail)" }
}
