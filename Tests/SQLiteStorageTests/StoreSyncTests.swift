import CallGateStorage
import StorageTestSupport
import Testing

@testable import SQLiteStorage

@Suite("Store sync: when a commit waits for the disk")
struct StoreSyncTests {
    /// `PRAGMA synchronous` of the open store's write connection: 1 is NORMAL, 2 is FULL.
    static func synchronousLevel(of store: SQLiteAuditStore) async throws -> Int64? {
        try await store.onWriter("read PRAGMA synchronous") { context in try context.connection.integer("PRAGMA synchronous") }
    }

    @Test("A store opened with default settings commits with synchronous=FULL")
    func defaultIsFull() async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory)
        #expect(try await Self.synchronousLevel(of: store) == 2)
        await store.close()
    }

    @Test("Each sync setting is the write connection's synchronous level, read back from the open store",
          arguments: [(StoreSync.full, 2), (.normal, 1)] as [(StoreSync, Int64)])
    func readBack(sync: StoreSync, level: Int64) async throws {
        let directory = try TemporaryDirectory()
        let store = try Fixtures.store(in: directory, configuration: SQLiteAuditStore.Configuration(synchronous: sync))
        #expect(try await Self.synchronousLevel(of: store) == level)
        await store.close()
    }
}
