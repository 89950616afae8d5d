/// When a store's commit waits for the disk, and so what a power loss or an OS crash can take back
/// (`--store-sync`). A process crash or `kill -9` loses nothing acknowledged either way.
public enum StoreSync: String, Sendable, Hashable, CaseIterable {
    /// Every commit reaches the disk (`fsync`) before it is acknowledged, so it also survives a
    /// power loss or an OS crash; group commit shares each flush among a whole batch. The default.
    case full
    /// Commits reach the disk only when the log is flushed (SQLite: at each checkpoint), so a power
    /// loss or an OS crash may take back the newest acknowledged commits, e.g. webhooks already
    /// answered 202 and delivery marks; the database stays consistent.
    case normal
}
