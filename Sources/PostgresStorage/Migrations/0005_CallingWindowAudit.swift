extension PostgresMigration {
    /// Version 5: each audit record's calling-window decision (record format 4).
    ///
    /// ```sql
    /// audit_records.calling_window TEXT -- AuditCallingWindow.storedForm; NULL in older records and
    ///                                   -- in records without a decision
    /// ```
    ///
    /// A nullable column: no row is rewritten, and a build of format 3 still inserts without it.
    static let callingWindowAudit = PostgresMigration(version: 5, name: "calling-window decisions in audit records", statements: [
        "ALTER TABLE audit_records ADD COLUMN calling_window TEXT",
    ])
}
