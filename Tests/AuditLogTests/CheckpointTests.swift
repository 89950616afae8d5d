@testable import AuditLog
import Foundation
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
}
