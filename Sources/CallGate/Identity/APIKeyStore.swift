import Synchronization

/// The live table of API keys and client certificate subjects: looked up on every request, swapped
/// whole on reload (a change the reload door saw, or SIGHUP), so a request sees either the old table
/// or the new one, never half of each, and none waits on the file.
public final class APIKeyStore: Sendable {
    /// The keys file this store reads.
    public let path: String
    private let table: Mutex<Tables>

    /// The principals a keys file's active entries stand for.
    struct Tables {
        /// Keys, by the digest a presented key is looked up by.
        var byDigest: [APIKeyDigest: Principal] = [:]
        /// Client certificates (mutual TLS), by their subject.
        var bySubject: [String: Principal] = [:]
    }

    /// Loads `path`; fails when the file is missing or invalid.
    public init(path: String) throws(KeysFileError) {
        self.path = path
        self.table = Mutex(try KeysFile.load(path: path).principals(path: path))
    }

    /// Re-reads the file. On error the current table stays in force and the error is thrown.
    public func reload() throws(KeysFileError) {
        let fresh = try KeysFile.load(path: path).principals(path: path)
        table.withLock { $0 = fresh }
    }

    /// The principal a presented key stands for, or `nil` for an unknown, malformed or revoked key.
    public func authenticate(key: some StringProtocol) -> Principal? {
        guard APIKey.isWellFormed(key) else { return nil }
        let digest = APIKeyDigest(key: key)
        return table.withLock { $0.byDigest[digest] }
    }

    /// The principal of the entry naming a verified client certificate's subject, if one does.
    public func authenticate(clientCertificateSubject subject: String) -> Principal? {
        table.withLock { $0.bySubject[subject] }
    }

    /// How many keys and client certificates currently authenticate.
    public var count: Int { table.withLock { $0.byDigest.count + $0.bySubject.count } }
}
