import CallGateStorage
import SQLiteStorage

extension Storage {
    /// Opens the backend the store URL `url` names (`AuditStoreURL`): its audit trail, outbox and
    /// idempotency keys.
    public static func open(_ url: String, keys: AuditKeys) throws(AuditStoreError) -> Storage {
        switch try AuditStoreURL.parse(url) {
        case .sqlite(let path):
            try SQLiteAuditStore(path: path, keys: keys).storage
        }
    }
}
