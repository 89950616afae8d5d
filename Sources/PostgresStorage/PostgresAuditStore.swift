import CallGateStorage
import Logging
import PostgresNIO
import Synchronization

/// The audit store in a PostgreSQL database that several gateways share: one trail, one chain.
///
/// Every instance appends to one chain, serialized by the database: an append transaction locks
/// the one row of `audit_head` (`FOR UPDATE`), chains its batch after it, inserts the records and
/// moves the head, so two instances' batches interleave whole and the sequence has no gap. The
/// lock is held for one batch's inserts, and each instance's `AuditWriter` commits whatever queued
/// while its previous commit ran (group commit), so the lock and the commit's flush are shared by
/// a whole batch (docs/architecture.md says why one chain, and what it costs).
///
/// The store owns its connection pool (PostgresNIO's `PostgresClient`, run by a task of its own
/// from `open` to `close`), and applies the schema versions the database lacks when it opens
/// (`PostgresMigrator`). Every operation has a deadline (`Configuration.operationTimeout`): a
/// database that stops answering makes operations fail as `unavailable`, and the pool reconnects
/// by itself once it is back.
///
/// The same database holds the outbox and the idempotency keys (`PostgresAuditStore+Outbox.swift`,
/// `PostgresAuditStore+Idempotency.swift`), a delivery admitted in its record's transaction.
public final class PostgresAuditStore: AuditStore {
    /// Where the database is (its password is never shown).
    public let address: PostgresAddress
    /// This store's instance, recorded in the deliveries it claims (`newInstanceName`).
    public let instance: String
    let keys: AuditKeys
    let logger: Logger
    private let readinessTimeout: Duration
    private let pool: PostgresPool
    private let state: Mutex<State>

    private struct State {
        /// The newest head this store appended or read: what `chainHead()` answers after `close()`,
        /// and the least the chain must reach when verified (records cut from its end show so).
        var head: ChainAnchor
        var isClosed: Bool
    }

    private init(address: PostgresAddress, keys: AuditKeys, configuration: Configuration, logger: Logger) throws(AuditStoreError) {
        self.address = address
        instance = Self.newInstanceName()
        self.keys = keys
        self.logger = logger
        readinessTimeout = configuration.readinessTimeout
        pool = try PostgresPool(address, configuration: configuration, logger: logger)
        state = Mutex(State(head: .genesis, isClosed: false))
    }

    /// Connects to the database `address` names, applies the schema versions it lacks (under an
    /// advisory lock: instances starting together apply each once) and reads the chain's head.
    ///
    /// Throws `invalidURL` for settings that contradict the address (a password given twice, a CA
    /// file without certificate checks), `unavailable` when the database cannot be reached or
    /// refuses the user, within the operation timeout.
    public static func open(
        _ address: PostgresAddress, keys: AuditKeys, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "callgate.store.postgres")
    ) async throws(AuditStoreError) -> PostgresAuditStore {
        let store = try PostgresAuditStore(address: address, keys: keys, configuration: configuration, logger: logger)
        do throws(AuditStoreError) {
            try await store.pool.checkConnection()
            try await applyMigrations(store.pool, logger: logger)
            _ = try await store.chainHead()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Applies the schema versions the database `address` names lacks, as `open` does, without
    /// opening the stores; returns the versions applied (none when it was current).
    public static func migrate(
        _ address: PostgresAddress, configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "callgate.store.postgres")
    ) async throws(AuditStoreError) -> [Int64] {
        let pool = try PostgresPool(address, configuration: configuration, logger: logger)
        do throws(AuditStoreError) {
            try await pool.checkConnection()
            let applied = try await applyMigrations(pool, logger: logger)
            await pool.close()
            return applied
        } catch {
            await pool.close()
            throw error
        }
    }

    /// The schema versions this build knows.
    public static var schemaVersions: [Int64] { PostgresMigration.all.map(\.version) }

    private static func applyMigrations(_ pool: PostgresPool, logger: Logger) async throws(AuditStoreError) -> [Int64] {
        try await pool.perform("apply the schema migrations") { client in
            try await PostgresMigrator.migrate(client, logger: logger)
        }
    }

    /// The stores of this database: the audit trail, the outbox and the idempotency keys, all
    /// this one object.
    public var storage: Storage {
        Storage(audit: self, outbox: self, idempotency: self)
    }

    // MARK: - AuditStore

    public func append(_ items: [AuditAppend]) async throws(AuditStoreError) -> [AuditAppended] {
        guard !items.isEmpty else { return [] }
        let (stored, head) = try await perform("append \(items.count) record\(items.count == 1 ? "" : "s")") { [self] client in
            try await client.withTransaction(logger: logger) { connection in
                try await appendBatch(items, connection)
            }
        }
        remember(head)
        return stored
    }

    /// Chains `items` after the locked head, inserts them with their outbox changes, and moves the
    /// head; runs inside the append's transaction.
    private func appendBatch(_ items: [AuditAppend], _ connection: PostgresConnection) async throws -> ([AuditAppended], ChainAnchor) {
        let rows = try await connection.query("SELECT sequence, hash FROM audit_head WHERE id = 1 FOR UPDATE", logger: logger)
        var last: ChainAnchor?
        for try await (sequence, hash) in rows.decode((Int64, String).self) {
            last = ChainAnchor(sequence: sequence, hash: hash)
        }
        guard var head = last else {
            throw AuditStoreError(code: .corrupt, detail: "The PostgreSQL store's audit_head row is missing: the schema was altered by hand.")
        }
        var stored: [AuditAppended] = []
        stored.reserveCapacity(items.count)
        var chained: [PostgresRecordCodec.Row] = []
        chained.reserveCapacity(items.count)
        for item in items {
            let sequence = head.sequence + 1
            let hash = keys.chainHash(previousHash: head.hash, sequence: sequence, contentDigest: item.record.contentDigest)
            chained.append(PostgresRecordCodec.Row(prepared: item.record, sequence: sequence, previousHash: head.hash, hash: hash))
            let outbox = try await applyOutboxChanges(of: item, connection)
            stored.append(AuditAppended(sequence: sequence, previousHash: head.hash, hash: hash,
                                        admission: outbox.admission, completed: outbox.completed))
            head = ChainAnchor(sequence: sequence, hash: hash)
        }
        try await PostgresRecordCodec.insert(chained, connection, logger: logger)
        try await connection.query("UPDATE audit_head SET sequence = \(head.sequence), hash = \(head.hash) WHERE id = 1", logger: logger)
        return (stored, head)
    }

    /// The head of the shared chain, read from the database (another instance may have moved it);
    /// after `close()`, the last head this store saw.
    public func chainHead() async throws(AuditStoreError) -> ChainAnchor {
        if let closed = state.withLock({ $0.isClosed ? $0.head : nil }) { return closed }
        let head = try await perform("read the chain's head") { [self] client in
            try await Self.readHead(client.query("SELECT sequence, hash FROM audit_head WHERE id = 1", logger: logger))
        }
        remember(head)
        return head
    }

    /// Fails unless the database takes writes now: reachable within the readiness timeout, and not
    /// a standby in recovery.
    public func checkWritable() async throws(AuditStoreError) {
        let recovering = try await perform("take a write", timeout: readinessTimeout) { [self] client in
            var recovering = true
            for try await value in try await client.query("SELECT pg_is_in_recovery()", logger: logger).decode(Bool.self) {
                recovering = value
            }
            return recovering
        }
        if recovering {
            throw AuditStoreError(
                code: .unavailable,
                detail: "The PostgreSQL store \(pool.place) is a standby in recovery: it takes no writes."
            )
        }
    }

    public func close() async {
        let wasClosed = state.withLock { state in
            defer { state.isClosed = true }
            return state.isClosed
        }
        guard !wasClosed else { return }
        await pool.close()
    }

    // MARK: - Helpers

    /// Keeps `head` when it is newer than the one remembered.
    func remember(_ head: ChainAnchor) {
        state.withLock { state in
            if head.sequence > state.head.sequence { state.head = head }
        }
    }

    /// The newest head this store appended or read.
    var rememberedHead: ChainAnchor { state.withLock { $0.head } }

    static func readHead(_ rows: PostgresRowSequence) async throws -> ChainAnchor {
        var head: ChainAnchor?
        for try await (sequence, hash) in rows.decode((Int64, String).self) {
            head = ChainAnchor(sequence: sequence, hash: hash)
        }
        guard let head else {
            throw AuditStoreError(code: .corrupt, detail: "The PostgreSQL store's audit_head row is missing: the schema was altered by hand.")
        }
        return head
    }

    /// Runs `job` with the pool (see `PostgresPool.perform`).
    func perform<Result: Sendable>(
        _ action: @autoclosure () -> String, timeout: Duration? = nil,
        _ job: @escaping @Sendable (PostgresClient) async throws -> Result
    ) async throws(AuditStoreError) -> Result {
        try await pool.perform(action(), timeout: timeout, job)
    }
}
