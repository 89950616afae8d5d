import CSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on a connection and a thread of its own,
/// so the writer, and every request waiting for its commit, never stops for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the writer's
/// connection: copying megabytes of pages and two `fsync`s made one commit in a few thousand take
/// about 100 ms, which every request waiting on it paid. Here the writer's connection has no
/// automatic checkpoint; after each commit the writer looks at the log's size (`WALFrames`):
/// - past a soft limit (1024 frames, 4 MiB of 4 KiB pages), it asks this checkpointer for a `PASSIVE` checkpoint, which copies
///   what is committed without taking the write lock, while the writer goes on;
/// - past a hard limit (8192 frames, 32 MiB), it checkpoints itself. Under sustained writes the log cannot restart
///   from its beginning (a restart needs every frame copied back when a write transaction starts,
///   and the writer keeps adding frames), so the log would grow without end; by then the
///   checkpointer has copied all but the last few frames, and the writer's own checkpoint is short.
final class SQLiteCheckpointer: Sendable {
    private let worker: SQLiteWorker<SQLiteConnection>
    private let softLimitFrames: Int32
    private let isRunning = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)

    /// Opens the checkpointer's connection to the database at `path` (already in WAL mode); it
    /// runs when a commit leaves `softLimitFrames` frames or more in the log.
    init(path: String, busyTimeoutMillis: Int32, softLimitFrames: Int32) throws {
        self.softLimitFrames = softLimitFrames
        let connection = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMillis: busyTimeoutMillis)
        // A connection opens the log when it first reads: until then a checkpoint finds no log.
        guard try connection.text("PRAGMA journal_mode")?.lowercased() == "wal" else {
            throw AuditStoreError(code: .unavailable, detail: "The audit database \(path) left write-ahead logging.")
        }
        worker = try SQLiteWorker(
            label: "audit-checkpt", context: connection,
            closedDetail: "The audit store at \(path) is closed."
        )
    }

    /// Checkpoints finished so far (for tests and diagnostics).
    var checkpoints: Int { completed.load(ordering: .relaxed) }

    /// Called by the writer after a commit that left `frames` frames in the log: starts a
    /// checkpoint on the checkpointer's thread unless one is running, and returns at once.
    func logGrew(to frames: Int32) {
        guard frames >= softLimitFrames,
              isRunning.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        worker.submit { [self] connection in
            // A failure (the disk, a reader holding an old snapshot) leaves the frames for the next
            // attempt or for the writer's own checkpoint at the hard limit.
            _ = connection.checkpoint()
            completed.add(1, ordering: .relaxed)
            isRunning.store(false, ordering: .releasing)
        }
    }

    /// Waits for a running checkpoint, then closes the connection.
    func close() async {
        await worker.close()
    }
}

/// The write-ahead log's size in frames, as SQLite reports it after each commit of the
/// connection it watches (see `SQLiteConnection.watchLog(_:)`); used on that connection's thread only.
final class WALFrames {
    /// Frames in the log after the last commit; 0 before the first.
    var count: Int32 = 0
}

extension SQLiteConnection {
    /// Turns off automatic checkpoints on this connection and has every commit record the log's
    /// size in `frames`, which the connection keeps alive.
    func watchLog(_ frames: WALFrames) {
        logWatcher = frames
        sqlite3_wal_hook(handle, { context, _, _, count in
            guard let context else { return SQLITE_OK }
            Unmanaged<WALFrames>.fromOpaque(context).takeUnretainedValue().count = count
            return SQLITE_OK
        }, Unmanaged.passUnretained(frames).toOpaque())
    }

    /// A `PASSIVE` checkpoint: copies every frame no reader still needs into the database, without
    /// waiting for locks. Returns whether it ran without error.
    @discardableResult
    func checkpoint() -> Bool {
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK
    }
}
