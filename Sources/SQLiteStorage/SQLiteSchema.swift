import CallGateStorage

/// The audit database's tables, and the check that a file is one.
///
/// ```sql
/// audit_records    -- one row per record; sequence is the rowid, so pages walk it directly
///   sequence INTEGER PRIMARY KEY, request_id TEXT, time_ms INTEGER,
///   max_time_ms INTEGER,   -- the largest time_ms up to and including this record
///   principal, role, auth_method, client_address, operation, method, path, service_id,
///   entry_count, outcome, reason, validation_codes (JSON array of strings),
///   phones (JSON array of strings: masked number, fingerprint, masked number, fingerprint...),
///   upstream_status, upstream_attempts, upstream_latency_us, total_latency_us, response_status,
///   previous_hash, hash,
///   format_version         -- the record's AuditRecord.formatVersion; 1 for records from before versions
///   peer_address           -- the socket's peer address (format 3); NULL in older records
///   calling_window         -- the calling-window decision (format 4; AuditCallingWindow.storedForm); NULL without one
/// audit_search     -- the per-block filters' index, one row per (block, term, 0); see SQLiteSearchIndex
///   PRIMARY KEY (block, term, sequence)
/// audit_search_postings -- request ids' and phones' index, one row per (block, bucket): entries BLOB
/// audit_search_progress -- one row: the last sequence audit_search covers
/// audit_checkpoint -- at most one row: the last pruned record (sequence, hash, max_time_ms),
///   pruned_at_ms, and mac (AuditKeys.checkpointMAC; NULL only in a row nothing MACed)
/// deliveries       -- the webhook outbox, one row per delivery; position (the rowid) is arrival order
///   position INTEGER PRIMARY KEY, id UNIQUE, source, webhook_id, operation, service_id,
///   payload BLOB, request_id, created_ms, status, attempts, next_attempt_ms, updated_ms,
///   last_error, upstream_status, first_attempt_ms (NULL in rows from before version 8: created_ms),
///   window_query BLOB (what the calling window is asked before each attempt; NULL: nothing; both version 8);
///   UNIQUE (source, webhook_id)
///   indexes (status, next_attempt_ms) for claims and the next wake-up, (status, position) for lists
/// idempotency_keys -- one row per (principal, key): request_digest BLOB, created_ms, and the kept
///   response (response_status, response_headers, response_body), NULL while in progress;
///   index (created_ms) for pruning
/// ```
///
/// `deliveries` and `idempotency_keys` are mutable state (a delivery's status and attempts change,
/// keys expire), so they are not in the hash chain, which only covers what never changes: the
/// immutable facts (which webhook was accepted, from whom, when, with what answer) are in the
/// audit records, and a delivery names its record by `request_id`. They live in the audit
/// database so that a delivery and its record commit in one transaction. Pruning the trail
/// leaves them alone.
///
/// Appends touch only the right edge of `audit_records`, so a commit writes a handful of pages
/// whatever the filters: per-column indexes
/// (principal, operation, request id, fingerprint...) would add a page per index and per distinct
/// value to every commit, which measured 4-5 times slower. The filters are served instead by
/// `audit_search`, written one block of records at a time (`SQLiteSearchIndex`).
///
/// `time_ms` is not monotonic in sequence (requests finish out of order), so a time window is
/// served by `max_time_ms`, which is: the first record whose `max_time_ms` reaches `since` bounds
/// the scan from below, and since `max_time_ms` never decreases along the sequence, a binary search
/// on the rowid finds it (about 25 lookups in 30 million records). An index on it, as in version 2,
/// cost every commit one more page.
enum SQLiteSchema {
    /// `PRAGMA application_id` of an audit database: "CGAU".
    static let applicationId: Int64 = 0x4347_4155
    /// `PRAGMA user_version` of the current schema. Version 2 chains records with the content
    /// digest (`callgate audit chain v2`); version 1 files, hashed over the whole content, are not
    /// opened, since appending to them would break their chain. Version 3 keeps the chain of
    /// version 2, stores the request ids' and phones' index by bucket (`audit_search_postings`) and
    /// drops the index on `max_time_ms`; a version 2 file is upgraded when opened (`upgradeFrom2`).
    /// Version 4 stores each record's format version (`format_version`); the records of an older
    /// file get 1, the format they were written in (`upgradeFrom3`). Version 5 stores the socket's
    /// peer address beside the client address (`peer_address`, NULL in older records; `upgradeFrom4`).
    /// Version 6 MACs the pruning checkpoint with the chain key (`audit_checkpoint.mac`, `upgradeFrom5`).
    /// Version 7 stores the calling-window decision (`calling_window`, NULL in older records; `upgradeFrom6`).
    /// Version 8 stores a delivery's planned first attempt (`deliveries.first_attempt_ms`, later than
    /// its creation when deferred to a calling window) and its calling-window question
    /// (`deliveries.window_query`; `upgradeFrom7`).
    static let version: Int64 = 8

    /// The table of the request ids' and phones' index (`SQLiteSearchIndex`), new in version 3.
    private static let createPostings = """
        CREATE TABLE audit_search_postings (
            block INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            entries BLOB NOT NULL,
            PRIMARY KEY (block, bucket)
        ) WITHOUT ROWID;
        """

    /// Turns a version 2 file into version 3: the search index is emptied and rebuilt from the
    /// records when the store opens (`WriteContext.catchUpSearchIndex`); the records, their chain
    /// and the checkpoint are left as they are.
    private static let upgradeFrom2 = """
        \(createPostings)
        DROP INDEX IF EXISTS audit_records_max_time;
        DELETE FROM audit_search;
        UPDATE audit_search_progress SET indexed_through = 0;
        PRAGMA user_version = 3;
        """

    /// Turns a version 3 file into version 4: a column with a default, so no row is rewritten.
    private static let upgradeFrom3 = """
        ALTER TABLE audit_records ADD COLUMN format_version INTEGER NOT NULL DEFAULT 1;
        PRAGMA user_version = 4;
        """

    /// Turns a version 4 file into version 5: a nullable column, so no row is rewritten.
    private static let upgradeFrom4 = """
        ALTER TABLE audit_records ADD COLUMN peer_address TEXT;
        PRAGMA user_version = 5;
        """

    /// Turns a version 5 file into version 6: the checkpoint gets a MAC column (see `upgradeFrom5`).
    private static let addCheckpointMAC = """
        ALTER TABLE audit_checkpoint ADD COLUMN mac TEXT;
        PRAGMA user_version = 6;
        """

    /// Turns a version 6 file into version 7: a nullable column, so no row is rewritten.
    private static let upgradeFrom6 = """
        ALTER TABLE audit_records ADD COLUMN calling_window TEXT;
        PRAGMA user_version = 7;
        """

    /// Turns a version 7 file into version 8: nullable columns, so no row is rewritten (a NULL first
    /// attempt reads as the delivery's creation, when it was due; a NULL question, as none).
    private static let upgradeFrom7 = """
        ALTER TABLE deliveries ADD COLUMN first_attempt_ms INTEGER;
        ALTER TABLE deliveries ADD COLUMN window_query BLOB;
        PRAGMA user_version = 8;
        """

    /// Turns a version 5 file (or an older one, once upgraded to 5) into version 6, once, in the transaction that opens it with the key:
    /// the checkpoint an earlier prune wrote is MACed, so a store kept across the upgrade still
    /// verifies. It vouches for no more than the earlier version did (its chain continued from the row as it
    /// stood), and only when the first remaining record follows it; otherwise the row keeps no MAC
    /// and `verify` reports it. After the upgrade only a prune writes the row, MAC included, so a
    /// checkpoint rewritten or stripped of its MAC later fails verification.
    private static func upgradeFrom5(_ connection: SQLiteConnection, keys: AuditKeys) throws(SQLiteError) {
        try connection.execute(addCheckpointMAC)
        guard var checkpoint = try SQLiteAuditStore.loadCheckpoint(connection) else { return }
        let first = try connection.cached("SELECT sequence, previous_hash FROM audit_records ORDER BY sequence LIMIT 1")
        defer { first.reset() }
        if try first.step(), first.int64(0) != checkpoint.sequence + 1 || first.text(1) != checkpoint.anchor.hash {
            return
        }
        checkpoint.mac = keys.checkpointMAC(checkpoint)
        try SQLiteAuditStore.storeCheckpoint(checkpoint, connection)
    }

    private static let create = """
        CREATE TABLE audit_records (
            sequence INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            max_time_ms INTEGER NOT NULL,
            principal TEXT,
            role TEXT,
            auth_method TEXT,
            client_address TEXT,
            operation TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            service_id INTEGER,
            entry_count INTEGER,
            outcome TEXT NOT NULL,
            reason TEXT,
            validation_codes TEXT NOT NULL,
            phones TEXT NOT NULL,
            upstream_status INTEGER,
            upstream_attempts INTEGER NOT NULL,
            upstream_latency_us INTEGER,
            total_latency_us INTEGER NOT NULL,
            response_status INTEGER NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            format_version INTEGER NOT NULL,
            peer_address TEXT,
            calling_window TEXT
        );
        CREATE TABLE audit_search (
            block INTEGER NOT NULL,
            term INTEGER NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (block, term, sequence)
        ) WITHOUT ROWID;
        \(createPostings)
        CREATE TABLE audit_search_progress (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            indexed_through INTEGER NOT NULL
        );
        INSERT INTO audit_search_progress VALUES (1, 0);
        CREATE TABLE audit_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sequence INTEGER NOT NULL,
            hash TEXT NOT NULL,
            max_time_ms INTEGER NOT NULL,
            pruned_at_ms INTEGER NOT NULL,
            mac TEXT
        );
        CREATE TABLE deliveries (
            position INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            webhook_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            service_id INTEGER NOT NULL,
            payload BLOB NOT NULL,
            request_id TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            last_error TEXT,
            upstream_status INTEGER,
            first_attempt_ms INTEGER,
            window_query BLOB,
            UNIQUE (source, webhook_id)
        );
        CREATE INDEX deliveries_due ON deliveries (status, next_attempt_ms);
        CREATE INDEX deliveries_status ON deliveries (status, position);
        CREATE TABLE idempotency_keys (
            principal TEXT NOT NULL,
            key TEXT NOT NULL,
            request_digest BLOB NOT NULL,
            created_ms INTEGER NOT NULL,
            response_status INTEGER,
            response_headers TEXT,
            response_body BLOB,
            PRIMARY KEY (principal, key)
        );
        CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms);
        """

    /// Creates the schema in an empty file, or checks that the file holds an audit database this
    /// build can use.
    static func prepare(_ connection: SQLiteConnection, path: String, keys: AuditKeys) throws(AuditStoreError) {
        do {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let application = try connection.integer("PRAGMA application_id") ?? 0
                let version = try connection.integer("PRAGMA user_version") ?? 0
                let tables = try connection.integer("SELECT count(*) FROM sqlite_schema") ?? 0
                if application == 0, version == 0, tables == 0 {
                    try connection.execute(create)
                    try connection.execute("PRAGMA application_id = \(applicationId); PRAGMA user_version = \(Self.version)")
                } else if application != applicationId {
                    throw AuditStoreError(
                        code: .corrupt,
                        detail: "The file \(path) holds another database, not a CallGate audit trail; give the audit store a file of its own."
                    )
                } else if (2...7).contains(version) {
                    if version == 2 {
                        try connection.execute(upgradeFrom2)
                    }
                    if version <= 3 {
                        try connection.execute(upgradeFrom3)
                    }
                    if version <= 4 {
                        try connection.execute(upgradeFrom4)
                    }
                    if version <= 5 {
                        try upgradeFrom5(connection, keys: keys)
                    }
                    if version <= 6 {
                        try connection.execute(upgradeFrom6)
                    }
                    try connection.execute(upgradeFrom7)
                } else if version < Self.version {
                    throw AuditStoreError(
                        code: .corrupt,
                        detail: "The audit database \(path) has schema version \(version), an older chain format this build (version \(Self.version)) does not continue; keep that file (the build that wrote it still verifies it) and give the store a new path."
                    )
                } else if version != Self.version {
                    throw AuditStoreError(
                        code: .corrupt,
                        detail: "The audit database \(path) has schema version \(version), which this build (version \(Self.version)) cannot use."
                    )
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        } catch let error as AuditStoreError {
            throw error
        } catch let error as SQLiteError {
            throw error.storeError("The audit database \(path) could not be prepared")
        } catch {
            throw AuditStoreError(code: .unavailable, detail: "The audit database \(path) could not be prepared: \(error).")
        }
    }
}
