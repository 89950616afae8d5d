/// How a store is opened, beyond its URL: the settings `--store-sync`, `--store-password` (or its
/// file), `--store-ca-file` and `--store-pool-size`. Each backend uses those that apply to it.
public struct StoreOptions: Sendable, Hashable {
    /// When commits wait for the disk (SQLite: `PRAGMA synchronous`; PostgreSQL: the session's
    /// `synchronous_commit`).
    public var sync: StoreSync
    /// The PostgreSQL password, when the URL carries none.
    public var password: String?
    /// The CA certificates (PEM) that sign the PostgreSQL server's certificate, for `sslmode`
    /// verify-ca and verify-full; nil: the system's.
    public var caFile: String?
    /// The most PostgreSQL connections one store keeps open.
    public var poolSize: Int

    /// The defaults of the settings.
    public init(sync: StoreSync = .full, password: String? = nil, caFile: String? = nil, poolSize: Int = 10) {
        self.sync = sync
        self.password = password
        self.caFile = caFile
        self.poolSize = poolSize
    }
}
