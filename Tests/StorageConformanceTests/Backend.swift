import CallGateStorage
import SQLiteStorage
import StorageTestSupport
import Testing

/// A storage backend under test: opens its stores in a place of the test's own, again and again
/// (opening the same place twice is a restart).
struct Backend: Sendable, CustomTestStringConvertible {
    /// The backend's name in test reports.
    let name: String
    /// Opens the stores kept in `directory`, with `keys`.
    let openStorage: @Sendable (TemporaryDirectory, AuditKeys) throws -> Storage

    var testDescription: String { name }

    /// Opens the stores kept in `directory`, with the tests' keys unless told otherwise.
    func open(_ directory: TemporaryDirectory, keys: AuditKeys = Fixtures.keys) throws -> Storage {
        try openStorage(directory, keys)
    }

    /// Every backend; each conformance test runs once per backend.
    static let all: [Backend] = [.sqlite]

    /// The embedded SQLite backend, in a file of the directory.
    static let sqlite = Backend(name: "SQLite") { directory, keys in
        try SQLiteAuditStore(path: directory.file("audit.sqlite"), keys: keys).storage
    }
}
