import CallGateStorage

extension SQLiteAuditStore {
    /// Settings of the SQLite store.
    public struct Configuration: Sendable, Hashable {
        /// When a commit waits for the disk: SQLite's `PRAGMA synchronous` of the write connection.
        public var synchronous: StoreSync
        /// How long a statement waits for a lock held by another connection before failing.
        public var busyTimeoutMillis: Int
        /// Read connections for queries, exports and verification (at least one is opened).
        public var readConnections: Int
        /// The write connection's page cache, in MiB.
        public var writeCacheMebibytes: Int
        /// Log frames past which the checkpointer runs, and past which the writer checkpoints
        /// itself (see `SQLiteCheckpointer`); lowered by tests only.
        var checkpointSoftLimitFrames: Int32 = 1024
        var checkpointHardLimitFrames: Int32 = 8192
        /// Past the soft limit, the checkpointer's passes are at most this far apart.
        var checkpointInterval: Duration = .milliseconds(20)

        /// Creates settings; the defaults suit the gateway.
        public init(
            synchronous: StoreSync = .full,
            busyTimeoutMillis: Int = 5000,
            readConnections: Int = 2,
            writeCacheMebibytes: Int = 32
        ) {
            self.synchronous = synchronous
            self.busyTimeoutMillis = busyTimeoutMillis
            self.readConnections = readConnections
            self.writeCacheMebibytes = writeCacheMebibytes
        }
    }
}
