/// Which records to return: every filter given must match (they combine with AND).
public struct AuditQuery: Sendable, Hashable {
    /// The largest page size.
    public static let maximumLimit = 1000

    /// Only records at or after this time (milliseconds since the Unix epoch), inclusive.
    public var sinceMillis: Int64?
    /// Only records before this time, exclusive.
    public var untilMillis: Int64?
    /// Only records of this principal.
    public var principal: String?
    /// Only records of principals with this role.
    public var role: String?
    /// Only records of this operation, e.g. `launchManualCalls`.
    public var operation: String?
    /// Only records addressing this LiveVox service.
    public var serviceId: Int64?
    /// Only records addressing one of these services: the scope of a principal limited to them.
    /// A record without a service never matches a set; nil matches every record.
    public var services: Set<Int64>?
    /// Only records carrying this phone number, by fingerprint (`AuditKeys.fingerprint(phone:)`).
    public var phoneFingerprint: String?
    /// Only records with this outcome.
    public var outcome: AuditOutcome?
    /// Only records the gateway answered with this HTTP status.
    public var status: Int?
    /// Only the record(s) of this request id.
    public var requestId: String?
    /// The cursor: only records with a smaller sequence (pass the previous page's `nextCursor`).
    public var beforeSequence: Int64?
    /// The page size, 1...1000.
    public var limit: Int

    /// Creates a query; with no arguments it returns the 100 newest records.
    public init(
        sinceMillis: Int64? = nil,
        untilMillis: Int64? = nil,
        principal: String? = nil,
        role: String? = nil,
        operation: String? = nil,
        serviceId: Int64? = nil,
        services: Set<Int64>? = nil,
        phoneFingerprint: String? = nil,
        outcome: AuditOutcome? = nil,
        status: Int? = nil,
        requestId: String? = nil,
        beforeSequence: Int64? = nil,
        limit: Int = 100
    ) {
        self.sinceMillis = sinceMillis
        self.untilMillis = untilMillis
        self.principal = principal
        self.role = role
        self.operation = operation
        self.serviceId = serviceId
        self.services = services
        self.phoneFingerprint = phoneFingerprint
        self.outcome = outcome
        self.status = status
        self.requestId = requestId
        self.beforeSequence = beforeSequence
        self.limit = limit
    }

    /// Throws `invalidQuery` when the limit is out of range or the time window is empty.
    package func validate() throws(AuditStoreError) {
        try Self.validate(limit: limit)
        if let sinceMillis, let untilMillis, sinceMillis >= untilMillis {
            throw AuditStoreError(
                code: .invalidQuery,
                detail: "The time window is empty: since (\(sinceMillis)) must be earlier than until (\(untilMillis))."
            )
        }
    }

    /// Throws `invalidQuery` unless `limit` is 1...1000: the bound of every page, audit or outbox.
    package static func validate(limit: Int) throws(AuditStoreError) {
        guard (1...maximumLimit).contains(limit) else {
            throw AuditStoreError(
                code: .invalidQuery, detail: "The limit must be between 1 and \(maximumLimit); got \(limit)."
            )
        }
    }
}
