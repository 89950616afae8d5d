import CallGateStorage
import SQLiteStorage

extension Storage {
    /// Opens the backend the store URL `url` names (`AuditStoreURL`): its audit trail, outbox and
    /// idempotency keys, whose commits wait for the disk as `sync` says (`--store-sync`).
    public static func open(_ url: String, keys: AuditKeys, sync: StoreSync = .full) throws(AuditStoreError) -> Storage {
        switch try AuditStoreURL.parse(url) {
        case .sqlite(let path):
            try SQLiteAuditStore(path: path, keys: keys, configuration: SQLiteAuditStore.Configuration(synchronous: sync)).storage
        }
    }
}
