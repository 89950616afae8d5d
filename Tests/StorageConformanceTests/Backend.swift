import CallGateStorage
import Foundation
import PostgresStorage
import SQLiteStorage
import StorageTestSupport
import Testing

/// A storage backend under test: opens its stores in a place of the test's own, again and again
/// (opening the same place twice is a restart).
struct Backend: Sendable, CustomTestStringConvertible {
    /// The backend's name in test reports.
    let name: String
    /// Opens the stores kept in `directory`, with `keys`.
    let openStorage: @Sendable (TemporaryDirectory, AuditKeys) async throws -> Storage

    var testDescription: String { name }

    /// Opens the stores kept in `directory`, with the tests' keys unless told otherwise.
    func open(_ directory: TemporaryDirectory, keys: AuditKeys = Fixtures.keys) async throws -> Storage {
        try await openStorage(directory, keys)
    }

    /// Every backend; each conformance test runs once per backend.
    static let all: [Backend] = [.sqlite, .postgres]

    /// The backends several instances share: the capability tests of what only a shared store
    /// shows (two stores, as two processes, on one database) run on these.
    static let shared: [Backend] = [.postgres]

    /// The embedded SQLite backend, in a file of the directory.
    static let sqlite = Backend(name: "SQLite") { directory, keys in
        try SQLiteAuditStore(path: directory.file("audit.sqlite"), keys: keys).storage
    }

    /// PostgreSQL (`PostgresTestCluster`), in a database of the directory's own: created on first
    /// open and named in a file of the directory, so that opening it again is a restart.
    static let postgres = Backend(name: "PostgreSQL") { directory, keys in
        try await PostgresAuditStore.open(
            PostgresTestCluster.address(database: postgresDatabase(of: directory)), keys: keys,
            configuration: PostgresTestCluster.storeConfiguration
        ).storage
    }

    /// The database of `directory`, created when the directory has none yet.
    static func postgresDatabase(of directory: TemporaryDirectory) throws -> String {
        let file = directory.file("postgres-database")
        if let name = try? String(contentsOfFile: file, encoding: .utf8) { return name }
        let name = "conformance_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresTestCluster.createDatabase(name)
        try name.write(toFile: file, atomically: true, encoding: .utf8)
        return name
    }
}

