/// Where the audit trail is kept, as `--store` names it.
public enum AuditStoreSetting: Sendable, Hashable {
    /// `none`: no audit trail at all (for benchmarks only).
    case disabled
    /// A store URL that `AuditStoreURL` accepts, e.g. `sqlite:data/callgate.sqlite`.
    case url(String)
}
