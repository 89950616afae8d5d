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
    /// hash and the checkpoint's MAC, and reports the first record that is missing, altered,
    /// inserted or out of place.
    ///
    /// `witnessed` are the heads an audit witness saw (`WitnessFile.heads`): the chain must reach
    /// the last of them, and hold each one's hash at its sequence (those pruned since are not
    /// compared). Without them, records deleted from the end of the chain show only to the store
    /// that wrote them, while it runs.
    func verify(witnessed: [WitnessHead]) async throws(AuditStoreError) -> AuditVerification

    /// The last record committed (the checkpoint when everything was pruned, the genesis before
    /// the first record): the head the audit witness signs. Answers also after `close()`, with the
    /// head the store closed at.
    func chainHead() async throws(AuditStoreError) -> ChainAnchor

    /// Deletes the oldest records whose `timeMillis` is before `cutoffMillis`, stopping at the first
    /// record that is not (so what remains is one contiguous chain), and moves the checkpoint to
    /// the last record deleted, MACed with the chain key (`AuditKeys.checkpointMAC`), from which
    /// `verify` continues. Returns how many were deleted.
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

    /// Verifies the chain without a witness (see `verify(witnessed:)`).
    public func verify() async throws(AuditStoreError) -> AuditVerification {
        try await verify(witnessed: [])
    }

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
