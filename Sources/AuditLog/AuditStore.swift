/// Where audit records are kept: append-only, hash-chained, searchable, prunable.
///
/// Implementations are database-specific (`SQLiteAuditStore`; PostgreSQL to follow); everything
/// above this protocol, `AuditWriter` included, works with any of them. Records are appended only
/// through one `AuditWriter`, which calls `append` one batch at a time.
public protocol AuditStore: Sendable {
    /// Stores the records of `items` in one transaction, in order, with their deliveries, and
    /// returns them as stored, one result per item.
    ///
    /// The store assigns each record the next `sequence` (1, 2, 3... without gaps), the previous
    /// record's hash as `previousHash` (64 zeros for the first record, the checkpoint's hash after
    /// pruning everything) and its `hash`. An item's delivery is admitted in the same transaction:
    /// stored as `pending` (`created`), or, when its source already submitted its `webhookId`, not
    /// stored again (`duplicate`, with the delivery stored first), which fails nothing. Either
    /// every record and delivery of the batch is stored or none is. Called only by the writer,
    /// one call at a time.
    func append(_ items: [AuditAppend]) async throws(AuditStoreError) -> [AuditAppended]

    /// One page of the records matching `query`, newest first (sequence descending).
    ///
    /// Throws `invalidQuery` when the limit is outside 1...1000 or the time window is empty.
    func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage

    /// Streams every record matching `query` to `sink`, newest first, in batches of at most
    /// `batchSize` (1...1000) records, reading each batch only after `sink` returned the previous
    /// one, so memory stays bounded whatever the number of records. `query.limit` is not used;
    /// `query.beforeSequence` starts the export below that sequence.
    ///
    /// Records appended during the export are not included (they are newer than the first batch).
    /// Throws what `sink` throws, or an `AuditStoreError`.
    func export(_ query: AuditQuery, batchSize: Int, _ sink: ([AuditRecord]) async throws -> Void) async throws

    /// Walks the whole chain in sequence order from the checkpoint (or the start), recomputing every
    /// hash, and reports the first record that is missing, altered, inserted or out of place.
    func verify() async throws(AuditStoreError) -> AuditVerification

    /// Deletes the oldest records whose `timeMillis` is before `cutoffMillis`, stopping at the first
    /// record that is not (so what remains is one contiguous chain), and moves the checkpoint to
    /// the last record deleted, from which `verify` continues. Returns how many were deleted.
    func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int

    /// Throws `unavailable` unless the store can take a write right now; cheap enough for a
    /// readiness probe.
    func checkWritable() async throws(AuditStoreError)

    /// Finishes the work already submitted and releases the database; later calls throw
    /// `unavailable`.
    func close() async

    /// Where the writer's drain task should run: a store whose appends block a thread of its own
    /// returns that thread's executor, so appends run in place instead of hopping to it and back;
    /// nil (the default) runs the drain task on the global executor.
    var writeExecutor: (any TaskExecutor)? { get }
}

extension AuditStore {
    /// None: the drain task runs on the global executor.
    public var writeExecutor: (any TaskExecutor)? { nil }

    /// Prepares `records` on the calling thread, then appends them without deliveries (see
    /// `append(_:)`).
    public func append(_ records: [AuditRecord]) async throws(AuditStoreError) -> [AuditRecord] {
        let stored = try await append(records.map { AuditAppend(PreparedAuditRecord($0)) })
        return zip(stored, records).map { $0.stored($1) }
    }
}

extension AuditStore {
    /// The database-neutral export: keyset pagination over `query(_:)`, one page per batch.
    public func export(
        _ query: AuditQuery, batchSize: Int, _ sink: ([AuditRecord]) async throws -> Void
    ) async throws {
        guard (1...AuditQuery.maximumLimit).contains(batchSize) else {
            throw AuditStoreError(
                code: .invalidQuery,
                detail: "The export batch size must be between 1 and \(AuditQuery.maximumLimit); got \(batchSize)."
            )
        }
        var page = query
        page.limit = batchSize
        while true {
            let result = try await self.query(page)
            if !result.records.isEmpty {
                try await sink(result.records)
            }
            guard let cursor = result.nextCursor else { return }
            page.beforeSequence = cursor
        }
    }
}

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
        self.phoneFingerprint = phoneFingerprint
        self.outcome = outcome
        self.status = status
        self.requestId = requestId
        self.beforeSequence = beforeSequence
        self.limit = limit
    }

    /// Throws `invalidQuery` when the limit is out of range or the time window is empty.
    func validate() throws(AuditStoreError) {
        try Self.validate(limit: limit)
        if let sinceMillis, let untilMillis, sinceMillis >= untilMillis {
            throw AuditStoreError(
                code: .invalidQuery,
                detail: "The time window is empty: since (\(sinceMillis)) must be earlier than until (\(untilMillis))."
            )
        }
    }

    /// Throws `invalidQuery` unless `limit` is 1...1000: the bound of every page, audit or outbox.
    static func validate(limit: Int) throws(AuditStoreError) {
        guard (1...maximumLimit).contains(limit) else {
            throw AuditStoreError(
                code: .invalidQuery, detail: "The limit must be between 1 and \(maximumLimit); got \(limit)."
            )
        }
    }
}

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

/// What `verify()` found.
public struct AuditVerification: Sendable, Hashable {
    /// The first record found wrong, and what is wrong with it.
    public struct BadRecord: Sendable, Hashable {
        /// The sequence of the record that is missing, altered or out of place.
        public var sequence: Int64
        /// One sentence, e.g. "record 17 was altered or forged: its hash does not match its content".
        public var problem: String

        /// Creates a finding.
        public init(sequence: Int64, problem: String) {
            self.sequence = sequence
            self.problem = problem
        }
    }

    /// How many records were read and checked, the first bad one included.
    public var checked: Int
    /// The first problem found; nil when the chain is intact.
    public var firstBad: BadRecord?
    /// The sequence of the last pruned record the walk started after; nil when nothing was pruned.
    public var checkpointSequence: Int64?

    /// True when every record from the checkpoint (or the start) to the end is present, in place
    /// and unaltered.
    public var isIntact: Bool { firstBad == nil }

    /// Creates a verification result.
    public init(checked: Int, firstBad: BadRecord?, checkpointSequence: Int64?) {
        self.checked = checked
        self.firstBad = firstBad
        self.checkpointSequence = checkpointSequence
    }
}
