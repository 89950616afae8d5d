extension PostgresMigration {
    /// Version 2: the webhook outbox, one for every instance.
    ///
    /// ```sql
    /// deliveries -- one row per delivery; position (a sequence) is arrival order and the lists' cursor
    ///   position, id UNIQUE, source, webhook_id, operation, service_id, payload BYTEA, request_id,
    ///   created_ms, status, attempts, next_attempt_ms, updated_ms, last_error, upstream_status,
    ///   claimed_by, claimed_ms   -- the instance that last claimed it, and when (its lease's start)
    ///   UNIQUE (source, webhook_id): a webhook id is admitted once, whichever instance receives it
    /// ```
    ///
    /// The partial indexes serve the worker's claims and wake-ups (pending by due time) and the
    /// lease sweep (sending by claim time); the status index serves the operators' lists.
    static let outbox = PostgresMigration(version: 2, name: "webhook outbox", statements: [
        """
        CREATE TABLE deliveries (
            position BIGSERIAL PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            webhook_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            service_id BIGINT NOT NULL,
            payload BYTEA NOT NULL,
            request_id TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            status TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_ms BIGINT NOT NULL,
            updated_ms BIGINT NOT NULL,
            last_error TEXT,
            upstream_status BIGINT,
            claimed_by TEXT,
            claimed_ms BIGINT,
            UNIQUE (source, webhook_id)
        )
        """,
        "CREATE INDEX deliveries_due ON deliveries (next_attempt_ms, position) WHERE status = 'pending'",
        "CREATE INDEX deliveries_claimed ON deliveries (claimed_ms) WHERE status = 'sending'",
        "CREATE INDEX deliveries_status ON deliveries (status, position)",
    ])
}
