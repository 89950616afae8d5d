import Synchronization

/// The live table of API keys: looked up on every request, swapped whole on reload (SIGHUP), so a
/// request sees either the old table or the new one, never half of each, and none waits on the file.
public final class APIKeyStore: Sendable {
    /// The keys file this store reads.
    public let path: String
    private let table: Mutex<[APIKeyDigest: Principal]>

    /// Loads `path`; fails when the file is missing or invalid.
    public init(path: String) throws(KeysFileError) {
        self.path = path
        self.table = Mutex(try KeysFile.load(path: path).principalsByDigest())
    }

    /// Re-reads the file. On error the current table stays in force and the error is thrown.
    public func reload() throws(KeysFileError) {
        let fresh = try KeysFile.load(path: path).principalsByDigest()
        table.withLock { $0 = fresh }
    }

    /// The principal a presented key stands for, or `nil` for an unknown, malformed or revoked key.
    public func authenticate(key: some StringProtocol) -> Principal? {
        guard APIKey.isWellFormed(key) else { return nil }
        let digest = APIKeyDigest(key: key)
        return table.withLock { $0[digest] }
    }

    /// How many keys currently authenticate.
    public var count: Int { table.withLock { $0.count } }
}
