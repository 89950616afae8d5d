import CallGateStorage
import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Group-commit writer")
struct AuditWriterTests {
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
