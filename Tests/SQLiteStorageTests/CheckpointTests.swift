@testable import CallGateStorage
import Foundation
@testable import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Checkpoints")
struct CheckpointTests {
    /// The size of a file in bytes, 0 when it does not exist.
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// 400 records a commit write about 80 log frames (pages of 4 KiB).
    static func appendBatch(_ store: SQLiteAuditStore, _ batch: Int) async throws {
        let stored = try await store.append((0..<400).map { Fixtures.record(batch * 400 + $0) })
        #expect(stored.last?.sequence == Int64((batch + 1) * 400))
    }

    @Test("past the soft limit the checkpointer copies the log into the database; the writer does not")
    func checkpointerCopies() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        var batches = 0
        // Stop as soon as the checkpointer has finished a pass: far below the writer's own limit
        // (8192 frames), so only the checkpointer can have written pages into the database file.
        while store.checkpointsCompleted == 0, batches < 200 {
            try await Self.appendBatch(store, batches)
            batches += 1
            if batches >= 14 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(store.checkpointsCompleted >= 1)
        #expect(Self.size(store.path + "-wal") < 8192 * 4096)
        #expect(Self.size(store.path) > 2 * 1024 * 1024)
        let verification = try await store.verify()
        #expect(verification.firstBad == nil)
        #expect(verification.checked == batches * 400)
        await store.close()
    }

    @Test("past the hard limit the writer checkpoints itself, so the log restarts instead of growing")
    func writerCheckpointsAtHardLimit() async throws {
        let directory = try TemporaryDirectory()
        var configuration = SQLiteAuditStore.Configuration()
        configuration.checkpointSoftLimitFrames = .max
        configuration.checkpointHardLimitFrames = 256
        let store = try Fixtures.store(in: directory, configuration: configuration)
        var largestLog = 0
        for batch in 0..<30 {
            try await Self.appendBatch(store, batch)
            largestLog = max(largestLog, Self.size(store.path + "-wal"))
        }
        #expect(store.checkpointsCompleted == 0)
        // At most the limit plus one commit's frames (each a 4 KiB page and a 24-byte header).
        #expect(largestLog < (256 + 160) * (4096 + 24))
        #expect(Self.size(store.path) > 4 * 1024 * 1024)
        let verification = try await store.verify()
        #expect(verification.firstBad == nil)
        #expect(verification.checked == 30 * 400)
        await store.close()
    }

    @Test("a pass is due past the soft limit for a soft limit's worth of uncopied frames, or for any once the interval has gone by")
    func passIsDue() {
        func due(_ restarts: Int, _ frames: Int32, copied: (Int, Int32), after milliseconds: Int = 0) -> Bool {
            SQLiteCheckpointer.isDue(log: LogPosition(restarts: restarts, frames: frames),
                                     lastCopied: LogPosition(restarts: copied.0, frames: copied.1),
                                     sinceLastPass: .milliseconds(milliseconds), softLimitFrames: 1024,
                                     minimumInterval: .milliseconds(20))
        }
        #expect(!due(0, 1023, copied: (0, 0)))
        #expect(!due(0, 1023, copied: (0, 0), after: 1000))
        #expect(due(0, 1024, copied: (0, 0)))
        // The last pass copied 1500 frames of this log: 1024 more are needed, not 1...
        #expect(!due(0, 1500, copied: (0, 1500), after: 1000))
        #expect(!due(0, 1501, copied: (0, 1500)))
        #expect(!due(0, 2523, copied: (0, 1500), after: 19))
        #expect(due(0, 2524, copied: (0, 1500)))
        // ... or 20 ms since that pass.
        #expect(due(0, 1501, copied: (0, 1500), after: 20))
        // The log restarted since: every frame is new.
        #expect(!due(1, 1023, copied: (0, 1500)))
        #expect(due(1, 1024, copied: (0, 1500)))
    }

    @Test("a pass starts when frames the last pass did not copy reach the soft limit, not again for the same log (interval aside)")
    func noPassWithoutNewFrames() async throws {
        let directory = try TemporaryDirectory()
        var configuration = SQLiteAuditStore.Configuration()
        configuration.checkpointSoftLimitFrames = .max
        configuration.checkpointHardLimitFrames = .max
        let store = try Fixtures.store(in: directory, configuration: configuration)
        try await Self.appendBatch(store, 0)
        try await Self.appendBatch(store, 1)
        let frames = Int32((Self.size(store.path + "-wal") - 32) / (4096 + 24))
        #expect(frames > 64)

        let checkpointer = try SQLiteCheckpointer(
            path: store.path, busyTimeoutMillis: 1000, softLimitFrames: 64, minimumInterval: .seconds(3600))
        func settle() async throws {
            for _ in 0..<100 { try await Task.sleep(for: .milliseconds(5)) }
        }
        let log = LogPosition(restarts: 0, frames: frames)
        checkpointer.logGrew(to: log)
        try await settle()
        #expect(checkpointer.checkpoints == 1)
        // The same log again, and 63 frames more: nothing new to copy is worth a pass.
        checkpointer.logGrew(to: log)
        checkpointer.logGrew(to: LogPosition(restarts: 0, frames: frames + 63))
        try await settle()
        #expect(checkpointer.checkpoints == 1)
        checkpointer.logGrew(to: LogPosition(restarts: 0, frames: frames + 64))
        try await settle()
        #expect(checkpointer.checkpoints == 2)
        await checkpointer.close()
        await store.close()
    }
}
