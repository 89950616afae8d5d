/// One page of query results.
public struct AuditPage: Sendable, Hashable {
    /// The matching records, newest first.
    public var records: [AuditRecord]
    /// The sequence to pass as `beforeSequence` for the next page; nil when no record follows.
    public var nextCursor: Int64?

    /// Creates a page.
    public init(records: [AuditRecord], nextCursor: Int64?) {
        self.records = records
        self.nextCursor = nextCursor
    }
}
