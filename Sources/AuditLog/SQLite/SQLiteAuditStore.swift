import Synchronization

/// The audit store in one SQLite file: the embedded default, for a single gateway process.
///
/// The file is opened in write-ahead-log mode. Writes go through one connection on one dedicated
/// serial queue, with prepared statements reused for every row; queries, exports and verification
/// run on separate read-only connections, which WAL lets read while the writer writes. No SQLite
/// call ever runs on the caller's thread, except while opening the store.
///
/// With the default `synchronous = NORMAL`, a committed record survives the process being killed
/// (`kill -9`, a crash); `.full` also survives a power loss or an OS crash, for one `fsync` per
/// commit. One store, in one process, must own a file: the store remembers the end of the chain.
/// See `SQLiteSchema` for the tables.
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
        /// The write connection's page cache, in MiB; large enough to keep the indexes' hot pages.
        public var writeCacheMebibytes: Int

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
            try connection.execute("""
                PRAGMA synchronous = \(configuration.synchronous.rawValue);
                PRAGMA cache_size = -\(max(2, configuration.writeCacheMebibytes) * 1024)
                """)
            try SQLiteSchema.prepare(connection, path: path)
            tail = Mutex(try Self.loadTail(connection))
            writer = SQLiteWorker(
                label: "callgate.audit.sqlite.writer", context: try WriteContext(connection: connection), closedDetail: closed
            )
            var readers: [SQLiteWorker<ReadContext>] = []
            for _ in 0..<max(1, configuration.readConnections) {
                let connection = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMillis: busyTimeout)
                readers.append(SQLiteWorker(
                    label: "callgate.audit.sqlite.reader", context: try ReadContext(connection: connection), closedDetail: closed
                ))
            }
            self.readers = readers
        } catch let error as AuditStoreError {
            throw error
        } catch let error as SQLiteError {
            throw AuditStoreError(
                code: error.isCorruption ? .corrupt : .unavailable,
                detail: "The audit database \(path) could not be opened: \(error.message) (SQLite error \(error.code))."
            )
        } catch {
            throw AuditStoreError(code: .unavailable, detail: "The audit database \(path) could not be opened: \(error).")
        }
    }

    // MARK: - AuditStore

    public func append(_ records: [AuditRecord]) async throws(AuditStoreError) -> [AuditRecord] {
        guard !records.isEmpty else { return [] }
        try checkOpen()
        return try await writer.run { [self] context throws(AuditStoreError) in
            do {
                return try write(records, context: context)
            } catch {
                throw failure(error, "append \(records.count) record\(records.count == 1 ? "" : "s")")
            }
        }
    }

    public func query(_ query: AuditQuery) async throws(AuditStoreError) -> AuditPage {
        try query.validate()
        try checkOpen()
        return try await reader().run { [self] context throws(AuditStoreError) in
            do {
                return try page(query, context: context)
            } catch {
                throw failure(error, "run the query")
            }
        }
    }

    public func verify() async throws(AuditStoreError) -> AuditVerification {
        try checkOpen()
        // Taken before the walk's snapshot, which therefore holds at least this much.
        let expectedLastSequence = tail.withLock { $0.sequence }
        return try await reader().run { [self] context throws(AuditStoreError) in
            do {
                return try walk(context, expectedLastSequence: expectedLastSequence)
            } catch {
                throw failure(error, "verify the chain")
            }
        }
    }

    public func prune(olderThanMillis cutoffMillis: Int64) async throws(AuditStoreError) -> Int {
        try checkOpen()
        var total = 0
        while true {
            let done = total
            let chunk = try await writer.run { [self] context throws(AuditStoreError) in
                do {
                    return try pruneChunk(olderThan: cutoffMillis, context: context)
                } catch {
                    throw failure(error, "prune records older than \(cutoffMillis) (\(done) were pruned before the failure)")
                }
            }
            total += chunk.deleted
            if chunk.finished { return total }
        }
    }

    public func checkWritable() async throws(AuditStoreError) {
        try checkOpen()
        try await writer.run { [self] context throws(AuditStoreError) in
            do {
                try context.transaction {}
            } catch {
                throw failure(error, "take a write")
            }
        }
    }

    public func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Keeps the query planner's statistics current for the next start; failure is harmless.
        _ = try? await writer.run { context throws(AuditStoreError) in
            try? context.connection.execute("PRAGMA optimize")
        }
        await writer.close()
        for reader in readers {
            await reader.close()
        }
    }

    // MARK: - Jobs (run on a worker's queue)

    private func write(_ records: [AuditRecord], context: WriteContext) throws -> [AuditRecord] {
        var last = tail.withLock { $0 }
        let stored = try context.transaction { () throws -> [AuditRecord] in
            var stored: [AuditRecord] = []
            stored.reserveCapacity(records.count)
            for var record in records {
                record.sequence = last.sequence + 1
                record.previousHash = last.hash
                record.hash = keys.chainHash(previousHash: last.hash, content: record.canonicalBytes())
                let maxTime = max(last.maxTimeMillis, record.timeMillis)
                try SQLiteRecordCodec.insert(
                    record, maxTimeMillis: maxTime,
                    recordStatement: context.insertRecord, phoneStatement: context.insertPhone
                )
                last = ChainPoint(sequence: record.sequence, hash: record.hash, maxTimeMillis: maxTime)
                stored.append(record)
            }
            return stored
        }
        // Only a committed batch moves the tail: a failed one leaves it where the database is.
        tail.withLock { $0 = last }
        return stored
    }

    private func page(_ query: AuditQuery, context: ReadContext) throws -> AuditPage {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        func filter(_ condition: String, _ value: SQLiteValue) {
            conditions.append(condition)
            values.append(value)
        }
        if let beforeSequence = query.beforeSequence {
            filter("sequence < ?", .integer(beforeSequence))
        }
        if let sinceMillis = query.sinceMillis {
            guard let first = try firstSequence(reaching: sinceMillis, context.connection) else {
                return AuditPage(records: [], nextCursor: nil)
            }
            filter("sequence >= ?", .integer(first))
            filter("time_ms >= ?", .integer(sinceMillis))
        }
        if let untilMillis = query.untilMillis { filter("time_ms < ?", .integer(untilMillis)) }
        if let principal = query.principal { filter("principal = ?", .text(principal)) }
        if let role = query.role { filter("role = ?", .text(role)) }
        if let operation = query.operation { filter("operation = ?", .text(operation)) }
        if let serviceId = query.serviceId { filter("service_id = ?", .integer(serviceId)) }
        if let outcome = query.outcome { filter("outcome = ?", .text(outcome.rawValue)) }
        if let status = query.status { filter("response_status = ?", .integer(Int64(status))) }
        if let requestId = query.requestId { filter("request_id = ?", .text(requestId)) }
        if let fingerprint = query.phoneFingerprint {
            filter("sequence IN (SELECT sequence FROM audit_phones WHERE fingerprint = ?)", .text(fingerprint))
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let statement = try context.connection.cached(
            "SELECT \(SQLiteRecordCodec.columns) FROM audit_records\(whereClause) ORDER BY sequence DESC LIMIT ?"
        )
        defer { statement.reset() }
        for (index, value) in values.enumerated() {
            try statement.bind(Int32(index + 1), value)
        }
        // One row more than the page tells whether another page follows.
        try statement.bind(Int32(values.count + 1), Int64(query.limit + 1))
        var records: [AuditRecord] = []
        records.reserveCapacity(min(query.limit, 64))
        var more = false
        while try statement.step() {
            if records.count == query.limit {
                more = true
                break
            }
            var record = try SQLiteRecordCodec.decode(statement).record
            record.phones = try SQLiteRecordCodec.phones(of: record.sequence, statement: context.selectPhones)
            records.append(record)
        }
        return AuditPage(records: records, nextCursor: more ? records.last?.sequence : nil)
    }

    /// The smallest sequence a record at or after `millis` can have: the first record whose
    /// `max_time_ms` reaches it (nil when none does, so no record can match).
    private func firstSequence(reaching millis: Int64, _ connection: SQLiteConnection) throws -> Int64? {
        let statement = try connection.cached(
            "SELECT sequence FROM audit_records WHERE max_time_ms >= ?1 ORDER BY max_time_ms, sequence LIMIT 1"
        )
        defer { statement.reset() }
        try statement.bind(1, millis)
        return try statement.step() ? statement.int64(0) : nil
    }

    /// Walks the whole chain in one read transaction, so a concurrent prune or append cannot
    /// change what the walk sees.
    private func walk(_ context: ReadContext, expectedLastSequence: Int64) throws -> AuditVerification {
        let connection = context.connection
        try connection.execute("BEGIN")
        defer { try? connection.execute("COMMIT") }
        let checkpoint = try Self.loadCheckpoint(connection)
        var verifier = ChainVerifier(keys: keys, checkpoint: checkpoint?.anchor)
        var maxTime = checkpoint?.maxTimeMillis ?? .min
        let rows = try connection.cached("SELECT \(SQLiteRecordCodec.columns) FROM audit_records ORDER BY sequence")
        defer { rows.reset() }
        while try rows.step() {
            let row: (record: AuditRecord, maxTimeMillis: Int64)
            do {
                row = try SQLiteRecordCodec.decode(rows)
            } catch {
                verifier.reject(error.sequence, "record \(error.sequence) is unreadable: \(error.detail)")
                break
            }
            var record = row.record
            record.phones = try SQLiteRecordCodec.phones(of: record.sequence, statement: context.selectPhones)
            guard verifier.check(record) else { break }
            maxTime = max(maxTime, record.timeMillis)
            guard row.maxTimeMillis == maxTime else {
                verifier.fail(
                    record.sequence,
                    "record \(record.sequence)'s time index was altered: its max_time_ms is \(row.maxTimeMillis), but the records up to it give \(maxTime)"
                )
                break
            }
        }
        return verifier.finish(expectedLastSequence: expectedLastSequence)
    }

    private func pruneChunk(olderThan cutoffMillis: Int64, context: WriteContext) throws -> (deleted: Int, finished: Bool) {
        try context.transaction { () throws -> (deleted: Int, finished: Bool) in
            let connection = context.connection
            let (last, finished) = try Self.lastPrunable(olderThan: cutoffMillis, connection)
            guard let last else { return (0, true) }
            let phones = try connection.cached("DELETE FROM audit_phones WHERE sequence <= ?1")
            defer { phones.reset() }
            try phones.bind(1, last.sequence)
            try phones.run()
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

    /// The least busy read connection.
    private func reader() -> SQLiteWorker<ReadContext> {
        var best = readers[0]
        for candidate in readers.dropFirst() where candidate.load < best.load {
            best = candidate
        }
        return best
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
            return AuditStoreError(
                code: error.isCorruption ? .corrupt : .unavailable,
                detail: "The audit store at \(path) could not \(action): \(error.message) (SQLite error \(error.code))."
            )
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

/// The write connection and its prepared statements; used only on the write worker's queue.
final class WriteContext {
    let connection: SQLiteConnection
    let insertRecord: SQLiteStatement
    let insertPhone: SQLiteStatement
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
        insertRecord = try SQLiteStatement(connection: connection.handle, sql: SQLiteRecordCodec.insertRecord)
        insertPhone = try SQLiteStatement(connection: connection.handle, sql: SQLiteRecordCodec.insertPhone)
        begin = try SQLiteStatement(connection: connection.handle, sql: "BEGIN IMMEDIATE")
        commit = try SQLiteStatement(connection: connection.handle, sql: "COMMIT")
        rollback = try SQLiteStatement(connection: connection.handle, sql: "ROLLBACK")
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

    private func run(_ statement: SQLiteStatement) throws(SQLiteError) {
        defer { statement.reset() }
        try statement.run()
    }
}

/// A read-only connection and its phone lookup; used only on its read worker's queue.
final class ReadContext {
    let connection: SQLiteConnection
    let selectPhones: SQLiteStatement

    init(connection: SQLiteConnection) throws(SQLiteError) {
        self.connection = connection
        selectPhones = try SQLiteStatement(connection: connection.handle, sql: SQLiteRecordCodec.selectPhones)
    }
}
