import AuditLog
import Testing

@Suite("Group-commit writer")
struct AuditWriterTests {
    @Test("64 concurrent tasks: every record committed, in batches, contiguous, chain intact")
    func concurrentRecords() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let writer = AuditWriter(store: store)
        let tasks = 64, perTask = 40
        // The store's other work shares the write thread with the writer: it must get its turn.
        let probes = Task {
            while writer.recordsWritten == 0 {
                try await Task.sleep(for: .milliseconds(1))
            }
            for _ in 0..<5 {
                try await store.checkWritable()
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
        let verification = try await store.verify()
        #expect(verification == AuditVerification(checked: total, firstBad: nil, checkpointSequence: nil))
        await store.close()
    }

    @Test("a lone record on an idle writer is committed at once, in a commit of its own")
    func loneRecord() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let writer = AuditWriter(store: store)
        for index in 0...20 {
            _ = try await writer.record(Fixtures.record(index))
        }
        // Each record awaited alone is committed alone: the writer never holds one back to wait for
        // company (its latency is measured by bench/AuditBench, not asserted here).
        #expect(writer.commits == 21)
        #expect(writer.recordsWritten == 21)
        await writer.shutdown()
        await store.close()
    }

    @Test("a failed append fails its whole batch and marks the writer unhealthy until an append succeeds")
    func failedAppend() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory, configuration: .init(busyTimeoutMillis: 50))
        let writer = AuditWriter(store: store)
        _ = try await writer.record(Fixtures.record(0))
        // Another process holds the write lock: the store cannot commit.
        let intruder = try RawDatabase(path: store.path)
        try intruder.execute("BEGIN EXCLUSIVE")
        let errors = await withTaskGroup(of: AuditStoreError?.self) { group in
            for index in 1...8 {
                group.addTask {
                    do throws(AuditStoreError) {
                        _ = try await writer.record(Fixtures.record(index))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: [AuditStoreError?]()) { $0.append($1) }
        }
        #expect(errors.allSatisfy { $0?.code == .unavailable })
        #expect(errors.first??.detail.hasPrefix("The audit store at \(store.path) could not append") == true)
        #expect(errors.first??.detail.contains("database is locked") == true)
        #expect(!writer.isHealthy)
        #expect(writer.failedCommits >= 1)
        #expect(writer.recordsWritten == 1)

        try intruder.execute("ROLLBACK")
        let next = try await writer.record(Fixtures.record(9))
        #expect(next.sequence == 2)
        #expect(writer.isHealthy)
        #expect(try await store.verify().isIntact)
        await writer.shutdown()
        await store.close()
    }

    @Test("shutdown commits what is queued, then refuses new records")
    func shutdown() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let writer = AuditWriter(store: store)
        let pending = (0..<50).map { index in Task { try await writer.record(Fixtures.record(index)) } }
        // Give the tasks a moment to queue; whether or not they did, none may be lost or half-done.
        await Task.yield()
        await writer.shutdown()
        var committed = 0
        for task in pending {
            switch await task.result {
            case .success: committed += 1
            case .failure(let error as AuditStoreError):
                #expect(error == AuditStoreError(code: .unavailable, detail: "The audit writer is shut down; the record was not written."))
            case .failure(let error):
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(writer.recordsWritten == committed)
        #expect(try await store.query(AuditQuery(limit: 1000)).records.count == committed)
        let late = await #expect(throws: AuditStoreError.self) { try await writer.record(Fixtures.record(99)) }
        #expect(late?.code == .unavailable)
        await store.close()
    }

    @Test("a writer in front of a closed store fails records instead of hanging")
    func closedStore() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        let writer = AuditWriter(store: store)
        _ = try await writer.record(Fixtures.record(0))
        await store.close()
        let error = await #expect(throws: AuditStoreError.self) { try await writer.record(Fixtures.record(1)) }
        #expect(error == AuditStoreError(code: .unavailable, detail: "The audit store at \(store.path) is closed."))
        #expect(!writer.isHealthy)
        await writer.shutdown()
    }
}
