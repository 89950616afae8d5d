@testable import CallGateStorage
import StorageTestSupport
import Testing

/// The group-commit writer over every backend.
@Suite("Group-commit writer conformance")
struct AuditWriterConformanceTests {
    @Test("64 concurrent tasks: every record committed, in batches, contiguous, chain intact", arguments: Backend.all)
    func concurrentRecords(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let writer = AuditWriter(store: store.audit)
        let tasks = 64, perTask = 40
        // The store's other work shares the write thread with the writer: it must get its turn.
        let probes = Task {
            while writer.recordsWritten == 0 {
                try await Task.sleep(for: .milliseconds(1))
            }
            for _ in 0..<5 {
                try await store.audit.checkWritable()
            }
            return writer.recordsWritten
        }
        let sequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var sequences: [Int64] = []
                    for index in 0..<perTask {
                        let stored = try await writer.record(Fixtures.record(task * perTask + index))
                        #expect(stored.requestId == "req-\(task * perTask + index)")
                        #expect(stored.hash.count == 64)
                        sequences.append(stored.sequence)
                    }
                    return sequences
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let total = tasks * perTask
        #expect(try await probes.value < total, "the readiness probes waited for the writer to go idle")
        #expect(sequences.sorted() == Array(1...Int64(total)))
        #expect(writer.recordsWritten == total)
        #expect(writer.commits < total, "no batching happened")
        #expect(writer.commits > 0)
        #expect(writer.failedCommits == 0)
        #expect(writer.queueDepth == 0)
        #expect(writer.isHealthy)
        #expect(writer.lastCommitDuration != nil)
        await writer.shutdown()
        let verification = try await store.audit.verify()
        #expect(verification == AuditVerification(checked: total, firstBad: nil, checkpointSequence: nil))
        await store.audit.close()
    }

    @Test("a lone record on an idle writer is committed at once, in a commit of its own", arguments: Backend.all)
    func loneRecord(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let writer = AuditWriter(store: store.audit)
        for index in 0...20 {
            _ = try await writer.record(Fixtures.record(index))
        }
        // Each record awaited alone is committed alone: the writer never holds one back to wait for
        // company (its latency is measured by bench/AuditBench, not asserted here).
        #expect(writer.commits == 21)
        #expect(writer.recordsWritten == 21)
        await writer.shutdown()
        await store.audit.close()
    }
}
