import CallGateStorage

extension PostgresMigration {
    /// Version 1: the audit trail, one chain for every instance.
    ///
    /// ```sql
    /// audit_records    -- one row per record, as SQLite's (SQLiteSchema), without max_time_ms
    /// audit_head       -- one row: the last record appended (sequence, hash); each append
    ///                  -- transaction locks it FOR UPDATE, so instances chain one after another
    /// audit_checkpoint -- at most one row: the last pruned record, MACed (AuditKeys.checkpointMAC)
    /// ```
    ///
    /// The request id index serves the intent-outcome lookups and the request id filter; other
    /// filters scan newest first, so an append writes the table's right edge, its primary key and
    /// this one index.
    static let auditTrail = PostgresMigration(version: 1, name: "audit trail", statements: [
        """
        CREATE TABLE audit_records (
            sequence BIGINT PRIMARY KEY,
            request_id TEXT NOT NULL,
            time_ms BIGINT NOT NULL,
            principal TEXT,
            role TEXT,
            auth_method TEXT,
            client_address TEXT,
            peer_address TEXT,
            operation TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            service_id BIGINT,
            entry_count BIGINT,
            outcome TEXT NOT NULL,
            reason TEXT,
            validation_codes TEXT NOT NULL,
            phones TEXT NOT NULL,
            upstream_status BIGINT,
            upstream_attempts BIGINT NOT NULL,
            upstream_latency_us BIGINT,
            total_latency_us BIGINT NOT NULL,
            response_status BIGINT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            format_version BIGINT NOT NULL
        )
        """,
        "CREATE INDEX audit_records_request_id ON audit_records (request_id, sequence)",
        """
        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sequence BIGINT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
        "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, '\(AuditRecord.genesisHash)')",
        """
        CREATE TABLE audit_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sequence BIGINT NOT NULL,
            hash TEXT NOT NULL,
            max_time_ms BIGINT NOT NULL,
            pruned_at_ms BIGINT NOT NULL,
            mac TEXT
        )
        """,
    ])
}
