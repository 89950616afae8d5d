extension PostgresMigration {
    /// Version 3: the `Idempotency-Key`s, one table for every instance.
    ///
    /// ```sql
    /// idempotency_keys -- one row per (principal, key): request_digest BYTEA, created_ms, and the
    ///   kept response (response_status, response_headers as a JSON array of names and values,
    ///   response_body BYTEA), NULL while in progress; index (created_ms) for pruning
    /// ```
    ///
    /// The primary key is what makes one key proceed once across instances: the second insert of a
    /// key waits for the first's transaction and then finds its row.
    static let idempotency = PostgresMigration(version: 3, name: "idempotency keys", statements: [
        """
        CREATE TABLE idempotency_keys (
            principal TEXT NOT NULL,
            key TEXT NOT NULL,
            request_digest BYTEA NOT NULL,
            created_ms BIGINT NOT NULL,
            response_status BIGINT,
            response_headers TEXT,
            response_body BYTEA,
            PRIMARY KEY (principal, key)
        )
        """,
        "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_ms)",
    ])
}
