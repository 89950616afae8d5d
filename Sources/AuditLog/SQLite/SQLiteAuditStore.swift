import Synchronization

/// The audit store in one SQLite file: the embedded default, for a single gateway process.
///
/// The file is opened in write-ahead-log mode. Writes go through one connection on a thread of its
/// own, with prepared statements reused for every row; the `AuditWriter`'s drain task runs on that
/// thread too (`writeExecutor`), so a commit costs no thread hop. Queries, exports and verification
/// run on separate read-only connections, each on its own thread, which WAL lets read while the
/// writer writes. No SQLite call runs on the caller's thread, except while opening the store.
///
/// With the default `synchronous = NORMAL`, a committed record survives the process being killed
/// (`kill -9`, a crash); `.full` also survives a power loss or an OS crash, for one `fsync` per
/// commit. One store, in one process, must own a file: the store remembers the end of the chain.
/// See `SQLiteSchema` for the tables.
///
/// The same database holds the webhook outbox (`OutboxStore`, in `SQLiteAuditStore+Outbox.swift`),
/// whose deliveries are admitted in the transaction of their record, and the idempotency keys
/// (`IdempotencyStore`): their writes also run on the write thread, their reads on the readers.
public final class SQLiteAuditStore: AuditStore {
    /// Settings of the SQLite store.
    public struct Configuration: Sendable, Hashable {
        /// When a commit waits for the disk.
        public enum Synchronous: String, Sendable, Hashable, CaseIterable {
            /// A commit survives the process being killed; the last commits before a power loss or
            /// an OS crash may be lost (the database stays consistent). The default.
            case normal = "NORMAL"
            /// Every commit is flushed to the disk (`fsync`) before it is acknowledged, so it also
            /// survives a power loss. Group commit shares each flush among a whole batch.
            case full = "FULL"
        }

        /// When a commit waits for the disk.
        public var synchronous: Synchronous
        /// How long a statement waits for a lock held by another connection before failing.
        public var busyTimeoutMillis: Int
        /// Read connections for queries, exports and verification (at least one is opened).
        public var readConnections: Int
        /// The write connection's page cache, in MiB.
        public var writeCacheMebibytes: Int
        /// Log frames past which the checkpointer runs, and past which the writer checkpoints
        /// itself (see `SQLiteCheckpointer`); lowered by tests only.
        var checkpointSoftLimitFrames: Int32 = 1024
        var checkpointHardLimitFrames: Int32 = 8192
        /// Past the soft limit, the checkpointer's passes are at most this far apart.
        var checkpointInterval: Duration = .milliseconds(20)

        /// Creates settings; the defaults suit the gateway.
        public init(
            synchronous: Synchronous = .normal,
            busyTimeoutMillis: Int = 5000,
            readConnections: Int = 2,
            writeCacheMebibytes: Int = 32
        ) {
            self.synchronous = synchronous
            self.busyTimeoutMillis = busyTimeoutMillis
            self.readConnections = readConnections
            self.writeCacheMebibytes = writeCacheMebibytes
        }
    }

    /// Records pruned per transaction, so a large prune never holds the write lock for long.
    static let pruneChunkSize = 10_000

    /// The database file.
    public let path: String
    private let keys: AuditKeys
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
            try SQLiteSchema.prepare(connection, path: path)
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

    public func verify() async throws(AuditStoreError) -> AuditVerification {
        // Taken before the walk's snapshot, which therefore holds at least this much.
        let expectedLastSequence = tail.withLock { $0.sequence }
        return try await onReader("verify the chain") { [self] context in
            try walk(context, expectedLastSequence: expectedLastSequence)
        }
    }

    public func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        var total = 0
        while true {
            let done = total
            let chunk = try await onWriter(
                "prune records older than \(cutoffMillis) (\(done) were pruned before the failure)"
            ) { [self] context in
                try pruneChunk(olderThan: cutoffMillis, context: context)
            }
            total += chunk.deleted
            if chunk.finished { return total }
        }
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

    /// One page, read in one transaction. Without a filter the search index covers, sequences are
    /// scanned newest first. With one, the records the index does not cover yet are scanned, then
    /// the blocks newest first: probed for the request id or phone, or scanned when they hold every
    /// per-block term. The exact conditions are applied to every candidate.
    private func page(_ query: AuditQuery, context: ReadContext) throws -> AuditPage {
        let connection = context.connection
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        // Sequences in lowest...highest, both inclusive, may match.
        var lowest: Int64 = 1
        let highest = query.beforeSequence.map { max(0, $0) - 1 } ?? .max
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        func filter(_ condition: String, _ value: SQLiteValue) {
            conditions.append(" AND " + condition)
            values.append(value)
        }
        if let sinceMillis = query.sinceMillis {
            guard let first = try firstSequence(reaching: sinceMillis, connection) else {
                return AuditPage(records: [], nextCursor: nil)
            }
            lowest = first
            filter("r.time_ms >= ?", .integer(sinceMillis))
        }
        if let untilMillis = query.untilMillis { filter("r.time_ms < ?", .integer(untilMillis)) }
        if let principal = query.principal { filter("r.principal = ?", .text(principal)) }
        if let role = query.role { filter("r.role = ?", .text(role)) }
        if let operation = query.operation { filter("r.operation = ?", .text(operation)) }
        if let serviceId = query.serviceId { filter("r.service_id = ?", .integer(serviceId)) }
        if let outcome = query.outcome { filter("r.outcome = ?", .text(outcome.rawValue)) }
        if let status = query.status { filter("r.response_status = ?", .integer(Int64(status))) }
        if let requestId = query.requestId { filter("r.request_id = ?", .text(requestId)) }
        if let fingerprint = query.phoneFingerprint {
            filter("instr(r.phones, ?) > 0", .text(SQLiteRecordCodec.phonesTerm(fingerprint: fingerprint)))
        }
        let exact = conditions.joined()

        var records: [AuditRecord] = []
        records.reserveCapacity(min(query.limit, 64))
        // Adds the rows of `sql` (whose last parameter is the LIMIT); true once the page is full
        // and one more row proved that another page follows.
        func collect(_ sql: String, _ bounds: [SQLiteValue]) throws -> Bool {
            let statement = try connection.cached(sql)
            defer { statement.reset() }
            let parameters = bounds + values + [.integer(Int64(query.limit - records.count + 1))]
            for (index, value) in parameters.enumerated() {
                try statement.bind(Int32(index + 1), value)
            }
            while try statement.step() {
                if records.count == query.limit { return true }
                records.append(try SQLiteRecordCodec.decode(statement).record)
            }
            return false
        }

        let scan = "SELECT \(SQLiteRecordCodec.columns) FROM audit_records r " +
            "WHERE r.sequence BETWEEN ? AND ?\(exact) ORDER BY r.sequence DESC LIMIT ?"
        var more = false
        let recordTerm = SQLiteSearchIndex.recordTerm(of: query)
        let blockTerms = SQLiteSearchIndex.blockTerms(of: query)
        if recordTerm == nil, blockTerms.isEmpty {
            if highest >= lowest {
                more = try collect(scan, [.integer(lowest), .integer(highest)])
            }
        } else {
            let indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
            if highest > indexedThrough {
                more = try collect(scan, [.integer(max(lowest, indexedThrough + 1)), .integer(highest)])
            }
            let top = min(highest, indexedThrough)
            var block = SQLiteSearchIndex.block(of: top)
            while !more, top >= lowest, block >= SQLiteSearchIndex.block(of: lowest) {
                if let recordTerm {
                    let candidates = try postings(of: recordTerm, in: block, connection)
                        .filter { $0 >= lowest && $0 <= top }
                        .sorted(by: >)
                    for sequence in candidates where !more {
                        more = try collect(scan, [.integer(sequence), .integer(sequence)])
                    }
                } else if try blockTerms.allSatisfy({ try blockHolds(block, $0, connection) }) {
                    let first = max(lowest, block * SQLiteSearchIndex.blockSize + 1)
                    let last = min(top, (block + 1) * SQLiteSearchIndex.blockSize)
                    more = try collect(scan, [.integer(first), .integer(last)])
                }
                block -= 1
            }
        }
        return AuditPage(records: records, nextCursor: more ? records.last?.sequence : nil)
    }

    /// The sequences of `block` whose per-record terms include `term` (a sequence at most once).
    private func postings(of term: Int64, in block: Int64, _ connection: SQLiteConnection) throws -> Set<Int64> {
        let statement = try connection.cached(SQLiteSearchIndex.postings)
        defer { statement.reset() }
        try statement.bind(1, block)
        try statement.bind(2, SQLiteSearchIndex.bucket(of: term))
        guard try statement.step() else { return [] }
        return Set(SQLiteSearchIndex.entries(statement.blob(0), block: block).lazy.filter { $0.term == term }.map(\.sequence))
    }

    /// Whether some record of `block` has the per-block `term`.
    private func blockHolds(_ block: Int64, _ term: Int64, _ connection: SQLiteConnection) throws -> Bool {
        let statement = try connection.cached("SELECT 1 FROM audit_search WHERE block = ?1 AND term = ?2 AND sequence = ?3")
        defer { statement.reset() }
        try statement.bind(1, block)
        try statement.bind(2, term)
        try statement.bind(3, SQLiteSearchIndex.wholeBlock)
        return try statement.step()
    }

    /// The smallest sequence a record at or after `millis` can have: the first record whose
    /// `max_time_ms` reaches it (nil when none does, so no record can match). `max_time_ms` never
    /// decreases along the sequence, so a binary search on the rowid finds it; gaps in the
    /// sequence (which verify reports) do not stop it.
    private func firstSequence(reaching millis: Int64, _ connection: SQLiteConnection) throws -> Int64? {
        let last = try connection.cached("SELECT max(sequence) FROM audit_records")
        defer { last.reset() }
        guard try last.step(), var high = last.optionalInt64(0) else { return nil }
        let probe = try connection.cached(
            "SELECT sequence, max_time_ms FROM audit_records WHERE sequence >= ?1 ORDER BY sequence LIMIT 1"
        )
        var low: Int64 = 0
        var found: Int64?
        // The first match is in low...high, or is `found`.
        while low <= high {
            let middle = low + (high - low) / 2
            try probe.bind(1, middle)
            let row = try probe.step() ? (sequence: probe.int64(0), maxTime: probe.int64(1)) : nil
            probe.reset()
            guard let row, row.sequence <= high else {
                high = middle - 1
                continue
            }
            if row.maxTime >= millis {
                found = row.sequence
                high = middle - 1
            } else {
                low = row.sequence + 1
            }
        }
        return found
    }

    /// Walks the whole chain in one read transaction, so a concurrent prune or append cannot
    /// change what the walk sees. Besides the chain, it checks what SQLite keeps beside each record:
    /// `max_time_ms`, and the search index of every indexed block, so that no filtered query can
    /// be made to miss a record unnoticed.
    private func walk(_ context: ReadContext, expectedLastSequence: Int64) throws -> AuditVerification {
        let connection = context.connection
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        let checkpoint = try Self.loadCheckpoint(connection)
        let indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
        var verifier = ChainVerifier(keys: keys, checkpoint: checkpoint?.anchor)
        var maxTime = checkpoint?.maxTimeMillis ?? .min
        var block: Int64?
        var blockRows = SQLiteSearchIndex.Rows()
        var blockFirst: Int64 = 0
        var blockLast: Int64 = 0

        // Checks that the stored index rows of `block` include every row its records give: a
        // missing row would hide records from filtered queries (an extra one only adds a candidate).
        func checkSearchIndex(of block: Int64) throws -> Bool {
            let expected = blockRows.rows(of: block)
            blockRows.remove(through: block)
            guard (block + 1) * SQLiteSearchIndex.blockSize <= indexedThrough else { return true }
            var stored = Set<SQLiteSearchIndex.Entry>()
            let blockTerms = try connection.cached("SELECT term FROM audit_search WHERE block = ?1 AND sequence = 0")
            defer { blockTerms.reset() }
            try blockTerms.bind(1, block)
            while try blockTerms.step() {
                stored.insert(SQLiteSearchIndex.Entry(term: blockTerms.int64(0), sequence: SQLiteSearchIndex.wholeBlock))
            }
            let postings = try connection.cached("SELECT entries FROM audit_search_postings WHERE block = ?1")
            defer { postings.reset() }
            try postings.bind(1, block)
            while try postings.step() {
                stored.formUnion(SQLiteSearchIndex.entries(postings.blob(0), block: block))
            }
            let missing = expected.filter { !stored.contains($0) }
            guard !missing.isEmpty else { return true }
            let sequence = missing.map { $0.sequence == SQLiteSearchIndex.wholeBlock ? blockFirst : $0.sequence }.min() ?? blockFirst
            return verifier.fail(
                sequence,
                "the search index of records \(blockFirst) to \(blockLast) was altered: filtered queries would miss some of them"
            )
        }

        let rows = try connection.cached("SELECT \(SQLiteRecordCodec.columns) FROM audit_records r ORDER BY r.sequence")
        defer { rows.reset() }
        var intact = true
        while intact, try rows.step() {
            let row: (record: AuditRecord, maxTimeMillis: Int64)
            do {
                row = try SQLiteRecordCodec.decode(rows)
            } catch {
                verifier.reject(error.sequence, "record \(error.sequence) is unreadable: \(error.detail)")
                break
            }
            let record = row.record
            guard verifier.check(record) else { break }
            maxTime = max(maxTime, record.timeMillis)
            guard row.maxTimeMillis == maxTime else {
                verifier.fail(
                    record.sequence,
                    "record \(record.sequence)'s time index was altered: its max_time_ms is \(row.maxTimeMillis), but the records up to it give \(maxTime)"
                )
                break
            }
            let recordBlock = SQLiteSearchIndex.block(of: record.sequence)
            if recordBlock != block {
                if let block { intact = try checkSearchIndex(of: block) }
                block = recordBlock
                blockFirst = record.sequence
            }
            blockLast = record.sequence
            blockRows.add(record)
        }
        if intact, verifier.firstBad == nil, let block {
            _ = try checkSearchIndex(of: block)
        }
        return verifier.finish(expectedLastSequence: expectedLastSequence)
    }

    private func pruneChunk(olderThan cutoffMillis: Int64, context: WriteContext) throws -> (deleted: Int, finished: Bool) {
        try context.transaction { () throws -> (deleted: Int, finished: Bool) in
            let connection = context.connection
            let (last, finished) = try Self.lastPrunable(olderThan: cutoffMillis, connection)
            guard let last else { return (0, true) }
            // Index blocks wholly pruned; rows of a partly pruned block point nowhere and are ignored.
            let search = try connection.cached("DELETE FROM audit_search WHERE block < ?1")
            defer { search.reset() }
            try search.bind(1, SQLiteSearchIndex.block(of: last.sequence + 1))
            try search.run()
            let postings = try connection.cached("DELETE FROM audit_search_postings WHERE block < ?1")
            defer { postings.reset() }
            try postings.bind(1, SQLiteSearchIndex.block(of: last.sequence + 1))
            try postings.run()
            let records = try connection.cached("DELETE FROM audit_records WHERE sequence <= ?1")
            defer { records.reset() }
            try records.bind(1, last.sequence)
            try records.run()
            let deleted = connection.changes
            let checkpoint = try connection.cached("""
                INSERT OR REPLACE INTO audit_checkpoint (id, sequence, hash, max_time_ms, pruned_at_ms) \
                VALUES (1, ?1, ?2, ?3, ?4)
                """)
            defer { checkpoint.reset() }
            try checkpoint.bind(1, last.sequence)
            try checkpoint.bind(2, last.hash)
            try checkpoint.bind(3, last.maxTimeMillis)
            try checkpoint.bind(4, FileSystem.nowMillis())
            try checkpoint.run()
            return (deleted, finished)
        }
    }

    /// Among the oldest `pruneChunkSize` records, the last of the prefix older than the cutoff, and
    /// whether the prune is finished after it (a newer record was reached, or no record is left).
    private static func lastPrunable(
        olderThan cutoffMillis: Int64, _ connection: SQLiteConnection
    ) throws -> (last: ChainPoint?, finished: Bool) {
        let oldest = try connection.cached(
            "SELECT sequence, time_ms, hash, max_time_ms FROM audit_records ORDER BY sequence LIMIT ?1"
        )
        defer { oldest.reset() }
        try oldest.bind(1, Int64(pruneChunkSize))
        var last: ChainPoint?
        var scanned = 0
        while try oldest.step() {
            if oldest.int64(1) >= cutoffMillis { return (last, true) }
            last = ChainPoint(sequence: oldest.int64(0), hash: oldest.text(2), maxTimeMillis: oldest.int64(3))
            scanned += 1
        }
        return (last, scanned < pruneChunkSize)
    }

    // MARK: - Helpers

    private static func loadCheckpoint(_ connection: SQLiteConnection) throws(SQLiteError) -> ChainPoint? {
        let statement = try connection.cached("SELECT sequence, hash, max_time_ms FROM audit_checkpoint WHERE id = 1")
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return ChainPoint(sequence: statement.int64(0), hash: statement.text(1), maxTimeMillis: statement.int64(2))
    }

    private static func loadTail(_ connection: SQLiteConnection) throws(SQLiteError) -> ChainPoint {
        let statement = try connection.cached(
            "SELECT sequence, hash, max_time_ms FROM audit_records ORDER BY sequence DESC LIMIT 1"
        )
        defer { statement.reset() }
        if try statement.step() {
            return ChainPoint(sequence: statement.int64(0), hash: statement.text(1), maxTimeMillis: statement.int64(2))
        }
        return try loadCheckpoint(connection) ?? .genesis
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

/// A point of the chain: a record's sequence and hash, and the largest record time up to it.
struct ChainPoint: Sendable {
    var sequence: Int64
    var hash: String
    var maxTimeMillis: Int64

    /// Before the first record.
    static let genesis = ChainPoint(sequence: 0, hash: AuditRecord.genesisHash, maxTimeMillis: .min)

    var anchor: ChainAnchor { ChainAnchor(sequence: sequence, hash: hash) }
}

/// The write connection, its prepared statements and the search index backlog; used only on the
/// write worker's thread.
final class WriteContext {
    let connection: SQLiteConnection
    let insertRecord: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    /// The log's size after the last commit.
    let logFrames = WALFrames()
    private let insertSearch: SQLiteStatement
    private let insertPostings: SQLiteStatement
    private let setSearchProgress: SQLiteStatement
    /// The index rows of the records after `indexedThrough`.
    private var searchBacklog = SQLiteSearchIndex.Rows()
    /// The last sequence `audit_search` covers: a whole number of blocks.
    private var indexedThrough: Int64

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
        insertRecord = try SQLiteStatement(connection: connection.handle, sql: SQLiteRecordCodec.insertRecord)
        begin = try SQLiteStatement(connection: connection.handle, sql: "BEGIN IMMEDIATE")
        commit = try SQLiteStatement(connection: connection.handle, sql: "COMMIT")
        rollback = try SQLiteStatement(connection: connection.handle, sql: "ROLLBACK")
        insertSearch = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.insert)
        insertPostings = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.insertPostings)
        setSearchProgress = try SQLiteStatement(connection: connection.handle, sql: SQLiteSearchIndex.setProgress)
        indexedThrough = try connection.integer(SQLiteSearchIndex.progress) ?? 0
        connection.watchLog(logFrames)
    }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try run(begin)
        do {
            let result = try body()
            try run(commit)
            return result
        } catch {
            // Fails harmlessly when SQLite already rolled the transaction back itself.
            try? run(rollback)
            throw error
        }
    }

    /// Reads the filter columns of the records the search index does not cover yet, after
    /// opening, one block at a time, indexing each whole block as it goes; `tail` is the last
    /// record.
    func catchUpSearchIndex(tail: Int64) throws {
        let rows = try SQLiteStatement(
            connection: connection.handle,
            sql: """
                SELECT sequence, request_id, principal, role, operation, service_id, outcome, response_status, phones \
                FROM audit_records WHERE sequence BETWEEN ?1 AND ?2 ORDER BY sequence
                """
        )
        var from = indexedThrough + 1
        while from <= tail {
            let through = min(tail, from + SQLiteSearchIndex.blockSize - 1)
            try rows.bind(1, from)
            try rows.bind(2, through)
            while try rows.step() {
                let sequence = rows.int64(0)
                searchBacklog.add(
                    sequence: sequence, requestId: rows.text(1),
                    // An unreadable column indexes no number; verification reports the record.
                    fingerprints: (SQLiteRecordCodec.decodePhones(rows.text(8)) ?? []).lazy.map(\.fingerprint),
                    principal: rows.optionalText(2), role: rows.optionalText(3), operation: rows.text(4),
                    serviceId: rows.optionalInt64(5), outcome: rows.text(6), status: rows.int64(7)
                )
            }
            rows.reset()
            try indexCompleteBlocks(tail: through, all: true)
            from = through + 1
        }
    }

    /// Adds the index rows of a record just committed (records come in sequence order).
    func addToSearchBacklog(_ record: AuditRecord, sequence: Int64) {
        searchBacklog.add(record, sequence: sequence)
    }

    /// Index rows stored per transaction: a block (about 300 rows) goes in over several appends,
    /// so no append waits for a whole block.
    static let searchSliceSize = 64

    /// The block being stored, its rows, and how many are stored already.
    private var blockInProgress: (block: Int64, rows: [SQLiteSearchIndex.StoredRow], stored: Int)?

    /// Stores the next slice of index rows of the oldest whole block of records up to `tail`, or,
    /// with `all`, every whole block. A block counts as indexed (and queries use its rows) once its
    /// last slice is stored, with the progress, in one transaction; rows of a block still in
    /// progress are ignored, and stored again (`INSERT OR IGNORE`) after a restart.
    func indexCompleteBlocks(tail: Int64, all: Bool = false) throws {
        repeat {
            if blockInProgress == nil, indexedThrough + SQLiteSearchIndex.blockSize <= tail {
                let block = SQLiteSearchIndex.block(of: indexedThrough + SQLiteSearchIndex.blockSize)
                blockInProgress = (block, SQLiteSearchIndex.storedRows(of: searchBacklog.rows(of: block), block: block), 0)
            }
            guard let (block, rows, stored) = blockInProgress else { return }
            let slice = rows[stored..<min(rows.count, stored + Self.searchSliceSize)]
            let finished = slice.endIndex == rows.count
            let end = (block + 1) * SQLiteSearchIndex.blockSize
            try transaction {
                for row in slice {
                    switch row {
                    case .postings(let bucket, let entries):
                        try insertPostings.bind(1, block)
                        try insertPostings.bind(2, bucket)
                        try insertPostings.bind(3, entries)
                        try run(insertPostings)
                    case .blockTerm(let term):
                        try insertSearch.bind(1, block)
                        try insertSearch.bind(2, term)
                        try insertSearch.bind(3, SQLiteSearchIndex.wholeBlock)
                        try run(insertSearch)
                    }
                }
                if finished {
                    try setSearchProgress.bind(1, end)
                    try run(setSearchProgress)
                }
            }
            if finished {
                searchBacklog.remove(through: block)
                indexedThrough = end
                blockInProgress = nil
            } else {
                blockInProgress = (block, rows, slice.endIndex)
            }
        } while all
    }

    private func run(_ statement: SQLiteStatement) throws(SQLiteError) {
        defer { statement.reset() }
        try statement.run()
    }
}

/// A read-only connection; used only on its read worker's thread.
final class ReadContext {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
    }
}
