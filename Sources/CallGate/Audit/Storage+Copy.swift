import CallGateStorage
import Logging
import PostgresStorage
import SQLiteStorage

#if canImport(Glibc)
import Glibc
#endif

extension Storage {
    /// Copies the SQLite store `from` names into the empty PostgreSQL store `to` names, migrating
    /// it first (`StoreCopy`: the source must verify, the copy is checked after); returns what was
    /// copied. Moving from one instance to many is this, then every instance on the copy.
    package static func copy(
        from: String, to: String, keys: AuditKeys, options: StoreOptions = StoreOptions(),
        logger: Logger = Logger(label: "callgate.store")
    ) async throws(StoreCopyError) -> StoreInventory {
        let sourcePath: String
        let destination: PostgresAddress
        do throws(AuditStoreError) {
            guard case .sqlite(let path) = try AuditStoreURL.parse(from) else {
                throw AuditStoreError(code: .invalidURL, detail: "--from must be an SQLite store (sqlite:PATH): the copy moves one instance's file to a shared store.")
            }
            guard case .postgres(let address) = try AuditStoreURL.parse(to) else {
                throw AuditStoreError(code: .invalidURL, detail: "--to must be a PostgreSQL store (postgres://USER@HOST:PORT/DB): the store several instances share.")
            }
            // Opening a missing file would create an empty store, and copy nothing without a word.
            guard access(path, F_OK) == 0 else {
                throw AuditStoreError(code: .unavailable, detail: "The SQLite store \(path) does not exist: nothing to copy.")
            }
            sourcePath = path
            destination = address
        } catch {
            throw .store(error)
        }
        let source: SQLiteAuditStore
        do {
            source = try SQLiteAuditStore(path: sourcePath, keys: keys, configuration: SQLiteAuditStore.Configuration(synchronous: options.sync))
        } catch {
            throw .store(error)
        }
        let target: PostgresAuditStore
        do {
            target = try await PostgresAuditStore.open(
                destination, keys: keys, configuration: PostgresAuditStore.Configuration(options: options), logger: logger
            )
        } catch {
            await source.close()
            throw .store(error)
        }
        do {
            let copied = try await StoreCopy.copy(from: source, to: target)
            await target.close()
            await source.close()
            return copied
        } catch {
            await target.close()
            await source.close()
            throw error
        }
    }
}
