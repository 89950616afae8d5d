import CallGateStorage
import Synchronization

/// The audit store in one SQLite file: the embedded default, for a single gateway process.
///
/// The file is opened in write-ahead-log mode. Writes go through one connection on a thread of its
/// own, with prepared statements reused for every row; the `AuditWriter`'s drain task runs on that
/// thread too (`writeExecutor`), so a commit costs no thread hop. Queries, exports and verification
/// run on separate read-only connections, each on its own thread, which WAL lets read while the
/// writer writes. No SQLite call runs on the caller's thread, except while opening the store.
///
/// With the default `synchronous = FULL`, a committed record survives the process being killed
/// (`kill -9`, a crash) and a power loss or an OS crash, for one `fsync` of the log per commit
/// (per batch of the group-commit writer); `.normal` survives only the former. One store, in one
/// process, must own a file: the store remembers the end of the chain.
/// See `SQLiteSchema` for the tables.
///
/// The same database holds the webhook outbox (`OutboxStore`, in `SQLiteAuditStore+Outbox.swift`),
/// whose deliveries are admitted in the transaction of their record, and the idempotency keys
/// (`IdempotencyStore`): their writes also run on the write thread, their reads on the readers.
public final class SQLiteAuditStore: AuditStore {
    /// The database file.
    public let path: String
    let keys: AuditKeys
    private let writer: SQLiteWorker<WriteContext>
    private let readers: [SQLiteWorker<ReadContext>]
    private let checkpointer: SQLiteCheckpointer
    private let checkpointHardLimitFrames: Int32
    /// The last record written (or the checkpoint, or the genesis): what the next append chains to.
    private let tail: Mutex<ChainPoint>
    private let isClosed = Atomic<Bool>(false)

    /// Opens the audit database at `path`, creating the file (mode 0600), its missing directories
    /// (mode 0700) and the schema when absent.
    ///
    /// Throws `unavailable` when the file cannot be created or opened, and `corrupt` when it is not
    /// an audit database (or one of a newer schema).
    public init(path: String, keys: AuditKeys, configuration: Configuration = Configuration()) throws(AuditStoreError) {
        self.path = path
        self.keys = keys
        do throws(FileSystemError) {
            try FileSystem.createDirectories(FileSystem.parent(of: path), mode: 0o700)
            try FileSystem.touch(path, mode: 0o600)
        } catch {
            throw AuditStoreError(code: .unavailable, detail: error.detail)
        }
        let busyTimeout = Int32(clamping: configuration.busyTimeoutMillis)
        let closed = "The audit store at \(path) is closed."
        do {
            let connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMillis: busyTimeout)
            let journal = try connection.text("PRAGMA journal_mode = WAL")
            guard journal?.lowercased() == "wal" else {
                throw AuditStoreError(
                    code: .unavailable,
                    detail: "The audit database \(path) cannot use write-ahead logging (its journal mode stays \(journal ?? "unknown")); put it on a local file system."
                )
            }
            // No automatic checkpoint: the write context's log hook replaces it, and checkpoints
            // run on the checkpointer's connection (`SQLiteCheckpointer`).
            try connection.execute("""
                PRAGMA synchronous = \(configuration.synchronous.rawValue);
                PRAGMA cache_size = -\(max(2, configuration.writeCacheMebibytes) * 1024)
                """)
            try SQLiteSchema.prepare(connection, path: path, keys: keys)
            let last = try Self.loadTail(connection)
            let context = try WriteContext(connection: connection)
            try context.catchUpSearchIndex(tail: last.sequence)
            tail = Mutex(last)
            writer = try SQLiteWorker(label: "audit-writer", context: context, closedDetail: closed)
            var readers: [SQLiteWorker<ReadContext>] = []
            for _ in 0..<max(1, configuration.readConnections) {
                let connection = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMillis: busyTimeout)
                readers.append(try SQLiteWorker(
                    label: "audit-reader", context: try ReadContext(connection: connection), closedDetail: closed
                ))
            }
            self.readers = readers
            checkpointer = try SQLiteCheckpointer(
                path: path, busyTimeoutMillis: busyTimeout, softLimitFrames: configuration.checkpointSoftLimitFrames,
                minimumInterval: configuration.checkpointInterval
            )
            checkpointHardLimitFrames = configuration.checkpointHardLimitFrames
        } catch let error as AuditStoreError {
            throw error
        } catch let error as SQLiteError {
            throw error.storeError("The audit database \(path) could not be opened")
        } catch {
            throw AuditStoreError(code: .unavailable, detail: "The audit database \(path) could not be opened: \(error).")
        }
    }

    /// The stores of this database: the audit trail, the outbox and the idempotency keys, all
    /// this one object.
    public var storage: Storage {
        Storage(audit: self, outbox: self, idempotency: self)
    }

    // MARK: - AuditStore

    /// Checkpoints the checkpointer has finished (see `SQLiteCheckpointer`).
    var checkpointsCompleted: Int { checkpointer.checkpoints }

    /// The write thread: the writer's drain task runs there, so appends need no thread hop.
    public var writeExecutor: (any TaskExecutor)? { writer.executor }

    public func append(_ items: [AuditAppend]) async throws(AuditStoreError) -> [AuditAppended] {
        guard !items.isEmpty else { return [] }
        return try await onWriter("append \(items.count) record\(items.count == 1 ? "" : "s")") { [self] context in
            try write(items, context: context)
        }
    }

    public func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage {
        try query.validate()
        return try await onReader("run the query") { [self] context in
            try page(query, context: context)
        }
    }

    public func verify(witnessed: [WitnessHead]) async throws(AuditStoreError) -> AuditVerification {
        // Taken before the walk's snapshot, which therefore holds at least this much.
        let expectedLastSequence = tail.withLock { $0.sequence }
        return try await onReader("verify the chain") { [self] context in
            try walk(context, expectedLastSequence: expectedLastSequence, witnessed: witnessed)
        }
    }

    /// The tail this store keeps in memory: no database read, so it costs the witness nothing.
    public func chainHead() async throws(AuditStoreError) -> ChainAnchor {
        tail.withLock { $0.anchor }
    }

    public func checkWritable() async throws(AuditStoreError) {
        try await onWriter("take a write") { context in
            try context.transaction {}
        }
    }

    public func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Finishes the search index block in progress, and keeps the query planner's statistics
        // current for the next start; failures are harmless (opening catches up).
        let tailSequence = tail.withLock { $0.sequence }
        _ = try? await writer.run { context throws(AuditStoreError) in
            try? context.indexCompleteBlocks(tail: tailSequence, all: true)
            try? context.connection.execute("PRAGMA optimize")
        }
        await writer.close()
        await checkpointer.close()
        for reader in readers {
            await reader.close()
        }
    }

    // MARK: - Jobs (run on a worker's thread)

    private func write(_ items: [AuditAppend], context: WriteContext) throws -> [AuditAppended] {
        var last = tail.withLock { $0 }
        let stored = try context.transaction { () throws -> [AuditAppended] in
            var stored: [AuditAppended] = []
            stored.reserveCapacity(items.count)
            for item in items {
                let prepared = item.record
                let sequence = last.sequence + 1
                let hash = keys.chainHash(previousHash: last.hash, sequence: sequence, contentDigest: prepared.contentDigest)
                let maxTime = max(last.maxTimeMillis, prepared.record.timeMillis)
                try SQLiteRecordCodec.insert(prepared, sequence: sequence, previousHash: last.hash, hash: hash,
                                             maxTimeMillis: maxTime, recordStatement: context.insertRecord)
                let admission = try item.delivery.map { delivery in
                    try SQLiteDeliveryCodec.admit(delivery, requestId: prepared.record.requestId, context.connection)
                }
                let completed = try item.completion.map { completion in
                    try SQLiteDeliveryCodec.complete(completion, context.connection)
                }
                stored.append(AuditAppended(sequence: sequence, previousHash: last.hash, hash: hash,
                                            admission: admission, completed: completed))
                last = ChainPoint(sequence: sequence, hash: hash, maxTimeMillis: maxTime)
            }
            return stored
        }
        // Only a committed batch moves the tail: a failed one leaves it where the database is.
        tail.withLock { $0 = last }
        // The committed records' index rows go straight into the backlog: a rolled-back batch never
        // gets here, and a separate set of rows per batch, merged after, cost more than the adding.
        for (item, appended) in zip(items, stored) {
            context.addToSearchBacklog(item.record.record, sequence: appended.sequence)
        }
        let log = context.logFrames.position
        if log.frames >= checkpointHardLimitFrames {
            // See SQLiteCheckpointer: only the frames added since its last pass are left to copy.
            context.connection.checkpoint()
        } else {
            checkpointer.logGrew(to: log)
        }
        // A slice that fails to store is retried after the next append; until its block is
        // indexed, queries scan the block (they stay exact). Whatever made it fail fails appends too.
        try? context.indexCompleteBlocks(tail: last.sequence)
        return stored
    }
    // MARK: - Helpers

    static func loadCheckpoint(_ connection: SQLiteConnection) throws(SQLiteError) -> ChainCheckpoint? {
        let statement = try connection.cached(
            "SELECT sequence, hash, max_time_ms, pruned_at_ms, mac FROM audit_checkpoint WHERE id = 1"
        )
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return ChainCheckpoint(
            anchor: ChainAnchor(sequence: statement.int64(0), hash: statement.text(1)),
            maxTimeMillis: statement.int64(2), prunedAtMillis: statement.int64(3), mac: statement.optionalText(4)
        )
    }

    /// The last record written, else the checkpoint, else the genesis: where the chain ends.
    static func loadTail(_ connection: SQLiteConnection) throws(SQLiteError) -> ChainPoint {
        let statement = try connection.cached(
            "SELECT sequence, hash, max_time_ms FROM audit_records ORDER BY sequence DESC LIMIT 1"
        )
        defer { statement.reset() }
        if try statement.step() {
            return ChainPoint(sequence: statement.int64(0), hash: statement.text(1), maxTimeMillis: statement.int64(2))
        }
        return try loadCheckpoint(connection).map(ChainPoint.init) ?? .genesis
    }

    /// Runs `job` on the write thread, after the work already submitted; its errors are reported
    /// as failing to `action` ("append 3 records").
    func onWriter<Result: Sendable>(
        _ action: @autoclosure @escaping @Sendable () -> String,
        _ job: @escaping @Sendable (WriteContext) throws -> Result
    ) async throws(AuditStoreError) -> Result {
        try await perform(on: writer, action, job)
    }

    /// Runs `job` on the least busy read connection; its errors are reported as failing to `action`.
    func onReader<Result: Sendable>(
        _ action: @autoclosure @escaping @Sendable () -> String,
        _ job: @escaping @Sendable (ReadContext) throws -> Result
    ) async throws(AuditStoreError) -> Result {
        var reader = readers[0]
        for candidate in readers.dropFirst() where candidate.load < reader.load {
            reader = candidate
        }
        return try await perform(on: reader, action, job)
    }

    private func perform<Context, Result: Sendable>(
        on worker: SQLiteWorker<Context>,
        _ action: @escaping @Sendable () -> String,
        _ job: @escaping @Sendable (Context) throws -> Result
    ) async throws(AuditStoreError) -> Result {
        try checkOpen()
        return try await worker.run { [self] context throws(AuditStoreError) in
            do {
                return try job(context)
            } catch {
                throw failure(error, action())
            }
        }
    }

    private func checkOpen() throws(AuditStoreError) {
        guard !isClosed.load(ordering: .acquiring) else {
            throw AuditStoreError(code: .unavailable, detail: "The audit store at \(path) is closed.")
        }
    }

    /// The error to report for `error`, raised while trying to `action`.
    private func failure(_ error: any Error, _ action: String) -> AuditStoreError {
        switch error {
        case let error as AuditStoreError:
            return error
        case let error as SQLiteError:
            return error.storeError("The audit store at \(path) could not \(action)")
        case let error as UnreadableRecord:
            return AuditStoreError(
                code: .corrupt,
                detail: "The audit store at \(path) could not \(action): record \(error.sequence) is unreadable: \(error.detail)."
            )
        default:
            return AuditStoreError(code: .unavailable, detail: "The audit store at \(path) could not \(action): \(error).")
        }
    }
}
