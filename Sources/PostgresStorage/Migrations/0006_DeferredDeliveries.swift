extension PostgresMigration {
    /// Version 6: a delivery's planned first attempt, later than its creation when it waits for a
    /// calling window to open, and what the window is asked before each attempt.
    ///
    /// ```sql
    /// deliveries.first_attempt_ms BIGINT -- NULL in rows an older build wrote: read as created_ms
    /// deliveries.window_query BYTEA      -- the calling-window question of its entries; NULL: none
    /// ```
    ///
    /// Nullable, so adding them rewrites no row and an older build running beside this one during a
    /// rolling upgrade keeps inserting without it. The status `cancelled` needs no change (status
    /// is free text), but an older build reads such a row as corrupt: cancel only once every
    /// instance runs this version.
    static let deferredDeliveries = PostgresMigration(version: 6, name: "deferred deliveries", statements: [
        "ALTER TABLE deliveries ADD COLUMN first_attempt_ms BIGINT",
        "ALTER TABLE deliveries ADD COLUMN window_query BYTEA",
    ])
}
