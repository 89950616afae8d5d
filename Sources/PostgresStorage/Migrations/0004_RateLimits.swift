extension PostgresMigration {
    /// Version 4: the rate limits every instance shares (`PostgresRateLimitStore`). Only new
    /// tables, which builds before it never read.
    ///
    /// ```sql
    /// rate_limits          -- one row per principal's key: instant_ns, the generic cell rate
    ///                         algorithm's instant in Unix nanoseconds; updated_ms; index (instant_ns)
    ///                         to forget idle keys
    /// rate_limit_demand    -- (key, instance) -> seen_ms: which instances asked for a key lately
    /// rate_limit_instances -- instance -> seen_ms: which instances exchange now
    /// ```
    static let rateLimits = PostgresMigration(version: 4, name: "rate limits", statements: [
        """
        CREATE TABLE rate_limits (
            key TEXT PRIMARY KEY,
            instant_ns BIGINT NOT NULL,
            updated_ms BIGINT NOT NULL
        )
        """,
        "CREATE INDEX rate_limits_instant ON rate_limits (instant_ns)",
        """
        CREATE TABLE rate_limit_demand (
            key TEXT NOT NULL,
            instance TEXT NOT NULL,
            seen_ms BIGINT NOT NULL,
            PRIMARY KEY (key, instance)
        )
        """,
        "CREATE INDEX rate_limit_demand_seen ON rate_limit_demand (seen_ms)",
        """
        CREATE TABLE rate_limit_instances (
            instance TEXT PRIMARY KEY,
            seen_ms BIGINT NOT NULL
        )
        """,
    ])
}
