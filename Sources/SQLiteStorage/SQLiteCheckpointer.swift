import CallGateStorage
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
///
/// When a pass is due (`isDue`): once the soft limit's worth of frames has been added since the
/// frames the last pass copied, or, while the log is past the soft limit, once `minimumInterval`
/// (20 ms) has gone by since the last pass ended. Before, a pass started after every commit past
/// the soft limit that found none running: at 4 connections one per three commits, each two
/// `fdatasync`s for a handful of pages, 14 µs of CPU per request (`docs/benchmarks.md`). Passes
/// only per soft limit's worth of frames were cheaper still, but left up to that many frames for
/// the `fdatasync` of the writer's own checkpoint at the hard limit, which then held every commit
/// for 10 ms and more. With the interval, the log's unsynced tail stays small, the log restarts
/// whenever a pass ends between two commits, and the writer's own checkpoint, when it comes, is short.
final class SQLiteCheckpointer: Sendable {
    private let worker: SQLiteWorker<SQLiteConnection>
    private let softLimitFrames: Int32
    private let minimumInterval: Duration
    private let clock = ContinuousClock()
    private let isRunning = Atomic<Bool>(false)
    private let completed = Atomic<Int>(0)
    /// What the last pass copied (the log's restart count when it started, and the frames copied),
    /// and when it ended.
    private let lastPass: Mutex<(copied: LogPosition, ended: ContinuousClock.Instant)>

    /// Opens the checkpointer's connection to the database at `path` (already in WAL mode); it
    /// runs when a commit leaves the log past `softLimitFrames` frames (see `isDue`).
    init(path: String, busyTimeoutMillis: Int32, softLimitFrames: Int32, minimumInterval: Duration = .milliseconds(20)) throws {
        self.softLimitFrames = softLimitFrames
        self.minimumInterval = minimumInterval
        lastPass = Mutex((LogPosition(restarts: 0, frames: 0), clock.now))
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

    /// Called by the writer after a commit that left the log at `log`: starts a checkpoint on the
    /// checkpointer's thread when one is due and none is running, and returns at once.
    func logGrew(to log: LogPosition) {
        // Below the soft limit, as after most commits, no pass can be due: no lock, no clock.
        guard log.frames >= softLimitFrames else { return }
        let (copied, ended) = lastPass.withLock { $0 }
        guard Self.isDue(log: log, lastCopied: copied, sinceLastPass: ended.duration(to: clock.now),
                         softLimitFrames: softLimitFrames, minimumInterval: minimumInterval),
              isRunning.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        worker.submit { [self] connection in
            // A failure (the disk, a reader holding an old snapshot) leaves the frames for the next
            // attempt or for the writer's own checkpoint at the hard limit.
            let frames = connection.checkpoint()
            let now = clock.now
            lastPass.withLock { last in
                last = (frames.map { LogPosition(restarts: log.restarts, frames: $0) } ?? last.copied, now)
            }
            completed.add(1, ordering: .relaxed)
            isRunning.store(false, ordering: .releasing)
        }
    }

    /// Whether a pass is due for a log at `log`: it is past the soft limit and holds frames the last
    /// pass did not copy, either `softLimitFrames` of them or any once `minimumInterval` has gone by
    /// since that pass. After a restart the frames that pass copied are gone, so all count.
    static func isDue(log: LogPosition, lastCopied: LogPosition, sinceLastPass: Duration,
                      softLimitFrames: Int32, minimumInterval: Duration) -> Bool {
        guard log.frames >= softLimitFrames else { return false }
        let uncopied = log.restarts == lastCopied.restarts ? log.frames - min(log.frames, lastCopied.frames) : log.frames
        return uncopied >= softLimitFrames || (uncopied > 0 && sinceLastPass >= minimumInterval)
    }

    /// Waits for a running checkpoint, then closes the connection.
    func close() async {
        await worker.close()
    }
}

/// Where the write-ahead log stands: how often it has restarted from its beginning, and its size in
/// frames since the last restart.
struct LogPosition: Sendable, Equatable {
    var restarts: Int
    var frames: Int32
}

/// The write-ahead log's size in frames, as SQLite reports it after each commit of the
/// connection it watches (see `SQLiteConnection.watchLog(_:)`); used on that connection's thread only.
final class WALFrames {
    /// Frames in the log after the last commit; 0 before the first.
    var count: Int32 = 0
    /// Restarts of the log seen so far: commits after which it was smaller than after the one before.
    var restarts = 0

    /// The log after the last commit.
    var position: LogPosition { LogPosition(restarts: restarts, frames: count) }
}

extension SQLiteConnection {
    /// Turns off automatic checkpoints on this connection and has every commit record the log's
    /// size in `frames`, which the connection keeps alive.
    func watchLog(_ frames: WALFrames) {
        logWatcher = frames
        sqlite3_wal_hook(handle, { context, _, _, count in
            guard let context else { return SQLITE_OK }
            let frames = Unmanaged<WALFrames>.fromOpaque(context).takeUnretainedValue()
            if count < frames.count { frames.restarts += 1 }
            frames.count = count
            return SQLITE_OK
        }, Unmanaged.passUnretained(frames).toOpaque())
    }

    /// A `PASSIVE` checkpoint: copies every frame no reader still needs into the database, without
    /// waiting for locks. Returns how many frames of the log are now copied, or nil on an error.
    @discardableResult
    func checkpoint() -> Int32? {
        var log: Int32 = 0, copied: Int32 = 0
        guard sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK else { return nil }
        return copied
    }
}
