import CallGateStorage
import Foundation
import PostgresStorage
import StorageTestSupport

/// A fresh database on the tests' server, for one test.
struct PostgresTestDatabase {
    /// The database's name.
    let name: String

    init() throws {
        name = "pgtest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresTestCluster.createDatabase(name)
    }

    /// The database's URL, password included.
    var url: String {
        get throws { try PostgresTestCluster.url(database: name) }
    }

    /// The database's address, password included unless `password` is false.
    func address(password: Bool = true) throws -> PostgresAddress {
        var address = try PostgresTestCluster.address(database: name)
        if !password { address.password = nil }
        return address
    }

    /// Opens a store on the database (a pool of its own: another instance).
    func open(keys: AuditKeys = Fixtures.keys) async throws -> PostgresAuditStore {
        try await PostgresAuditStore.open(address(), keys: keys, configuration: PostgresTestCluster.storeConfiguration)
    }


    /// Runs `sql` on the database through psql.
    @discardableResult
    func psql(_ sql: String) throws -> String {
        try PostgresTestCluster.psql(sql, database: name)
    }
}

