/// The audit database's tables, and the check that a file is one.
///
/// ```sql
/// audit_records    -- one row per record; sequence is the rowid, so pages walk it directly
///   sequence INTEGER PRIMARY KEY, request_id TEXT, time_ms INTEGER,
///   max_time_ms INTEGER,   -- the largest time_ms up to and including this record
///   principal, role, auth_method, client_address, operation, method, path, service_id,
///   entry_count, outcome, reason, validation_codes (JSON array of strings),
///   upstream_status, upstream_attempts, upstream_latency_us, total_latency_us, response_status,
///   previous_hash, hash
///   indexes: max_time_ms, principal, operation, service_id, request_id, response_status, outcome
/// audit_phones     -- one row per phone of a record, in request order (covered by the record's hash)
///   PRIMARY KEY (sequence, position), fingerprint, masked; index (fingerprint, sequence)
/// audit_checkpoint -- at most one row: the last pruned record (sequence, hash, max_time_ms)
/// ```
///
/// Every secondary index on `audit_records` ends with the rowid, so an equality filter yields rows
/// already in sequence order and a page never sorts. `time_ms` is not monotonic in sequence
/// (requests finish out of order), so a time window is served by `max_time_ms`, which is: the
/// first record whose `max_time_ms` reaches `since` bounds the scan from below.
enum SQLiteSchema {
    /// `PRAGMA application_id` of an audit database: "CGAU".
    static let applicationId: Int64 = 0x4347_4155
    /// `PRAGMA user_version` of the current schema.
    static let version: Int64 = 1

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
            upstream_status INTEGER,
            upstream_attempts INTEGER NOT NULL,
            upstream_latency_us INTEGER,
            total_latency_us INTEGER NOT NULL,
            response_status INTEGER NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_records_max_time ON audit_records (max_time_ms);
        CREATE INDEX audit_records_principal ON audit_records (principal);
        CREATE INDEX audit_records_operation ON audit_records (operation);
        CREATE INDEX audit_records_service ON audit_records (service_id);
        CREATE INDEX audit_records_request ON audit_records (request_id);
        CREATE INDEX audit_records_status ON audit_records (response_status);
        CREATE INDEX audit_records_outcome ON audit_records (outcome);
        CREATE TABLE audit_phones (
            sequence INTEGER NOT NULL,
            position INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            masked TEXT NOT NULL,
            PRIMARY KEY (sequence, position)
        ) WITHOUT ROWID;
        CREATE INDEX audit_phones_fingerprint ON audit_phones (fingerprint, sequence);
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
            throw AuditStoreError(
                code: error.isCorruption ? .corrupt : .unavailable,
                detail: "The audit database \(path) could not be prepared: \(error.message) (SQLite error \(error.code))."
            )
        } catch {
            throw AuditStoreError(code: .unavailable, detail: "The audit database \(path) could not be prepared: \(error).")
        }
    }
}
