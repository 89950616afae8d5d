/// The audit database's tables, and the check that a file is one.
///
/// ```sql
/// audit_records    -- one row per record; sequence is the rowid, so pages walk it directly
///   sequence INTEGER PRIMARY KEY, request_id TEXT, time_ms INTEGER,
///   max_time_ms INTEGER,   -- the largest time_ms up to and including this record (indexed)
///   principal, role, auth_method, client_address, operation, method, path, service_id,
///   entry_count, outcome, reason, validation_codes (JSON array of strings),
///   phones (JSON array of strings: masked number, fingerprint, masked number, fingerprint...),
///   upstream_status, upstream_attempts, upstream_latency_us, total_latency_us, response_status,
///   previous_hash, hash
/// audit_search     -- the filters' index, one row per (block, term, sequence); see SQLiteSearchIndex
///   PRIMARY KEY (block, term, sequence)
/// audit_search_progress -- one row: the last sequence audit_search covers
/// audit_checkpoint -- at most one row: the last pruned record (sequence, hash, max_time_ms)
/// ```
///
/// Appends touch only the right edge of `audit_records` and the `max_time_ms` index, so a commit
/// writes a handful of pages whatever the filters: per-column indexes
/// (principal, operation, request id, fingerprint...) would add a page per index and per distinct
/// value to every commit, which measured 4-5 times slower. The filters are served instead by
/// `audit_search`, written one block of records at a time (`SQLiteSearchIndex`).
///
/// `time_ms` is not monotonic in sequence (requests finish out of order), so a time window is
/// served by `max_time_ms`, which is: the first record whose `max_time_ms` reaches `since` bounds
/// the scan from below.
enum SQLiteSchema {
    /// `PRAGMA application_id` of an audit database: "CGAU".
    static let applicationId: Int64 = 0x4347_4155
    /// `PRAGMA user_version` of the current schema. Version 2 chains records with the content
    /// digest (`callgate audit chain v2`); version 1 files, hashed over the whole content, are not
    /// opened, since appending to them would break their chain.
    static let version: Int64 = 2

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
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_records_max_time ON audit_records (max_time_ms);
        CREATE TABLE audit_search (
            block INTEGER NOT NULL,
            term INTEGER NOT NULL,
            sequence INTEGER NOT NULL,
            PRIMARY KEY (block, term, sequence)
        ) WITHOUT ROWID;
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
            pruned_at_ms INTEGER NOT NULL
        );
        """

    /// Creates the schema in an empty file, or checks that the file holds an audit database this
    /// build can use.
    static func prepare(_ connection: SQLiteConnection, path: String) throws(AuditStoreError) {
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
