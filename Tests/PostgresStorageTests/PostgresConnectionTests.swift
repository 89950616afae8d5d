import CallGateStorage
import PostgresStorage
import StorageTestSupport
import Testing

@Suite("PostgreSQL connection settings and failures")
struct PostgresConnectionTests {
    @Test("the password may come from the settings when the URL carries none")
    func passwordFromOptions() async throws {
        let database = try PostgresTestDatabase()
        let withPassword = try database.address()
        let store = try await PostgresAuditStore.open(
            database.address(password: false), keys: Fixtures.keys,
            configuration: .init(options: StoreOptions(password: withPassword.password), operationTimeout: .seconds(60), readinessTimeout: .seconds(60))
        )
        try await store.checkWritable()
        await store.close()
    }

    @Test("a password given in the URL and in the settings is refused before connecting")
    func passwordTwice() async throws {
        let database = try PostgresTestDatabase()
        let error = await #expect(throws: AuditStoreError.self) {
            try await PostgresAuditStore.open(database.address(), keys: Fixtures.keys,
                                              configuration: .init(options: StoreOptions(password: "another")))
        }
        #expect(error == AuditStoreError(
            code: .invalidURL,
            detail: "The PostgreSQL password is given twice, in the store URL and in --store-password-file / CALLGATE_STORE_PASSWORD; give it once."
        ))
    }

    @Test("a wrong password is refused by the server: unavailable, with the server's code and a hint, never the password")
    func wrongPassword() async throws {
        let database = try PostgresTestDatabase()
        var address = try database.address()
        address.password = "not-the-password-7f3a"
        let error = await #expect(throws: AuditStoreError.self) {
            try await PostgresAuditStore.open(address, keys: Fixtures.keys)
        }
        #expect(error?.code == .unavailable)
        #expect(error?.detail.hasPrefix("The PostgreSQL store 127.0.0.1:\(address.port)/\(database.name) could not connect: the server answered 28P01 ") == true)
        #expect(error?.detail.hasSuffix("(check the user and the password: the URL, --store-password-file or CALLGATE_STORE_PASSWORD).") == true)
        #expect(error?.detail.contains("not-the-password-7f3a") == false)
    }

    @Test("sslmode=require against a server without TLS says so")
    func tlsRequired() async throws {
        let database = try PostgresTestDatabase()
        var address = try database.address()
        address.sslMode = .require
        let error = await #expect(throws: AuditStoreError.self) {
            try await PostgresAuditStore.open(address, keys: Fixtures.keys)
        }
        #expect(error == AuditStoreError(
            code: .unavailable,
            detail: "The PostgreSQL store 127.0.0.1:\(address.port)/\(database.name) could not connect: the server does not offer TLS; add ?sslmode=disable to the URL for a server without TLS."
        ))
    }

    @Test("a CA file with sslmode disable or require is refused: it would check nothing")
    func caFileWithoutVerification() async throws {
        let database = try PostgresTestDatabase()
        for mode in [PostgresAddress.SSLMode.disable, .require] {
            var address = try database.address()
            address.sslMode = mode
            let error = await #expect(throws: AuditStoreError.self) {
                try await PostgresAuditStore.open(address, keys: Fixtures.keys,
                                                  configuration: .init(options: StoreOptions(caFile: "/nonexistent/ca.pem")))
            }
            #expect(error?.code == .invalidURL)
            #expect(error?.detail.contains("--store-ca-file is given but the store URL's sslmode is \(mode.rawValue)") == true)
        }
    }

    @Test("a database that is not there is unavailable, within the operation timeout, and says so", .timeLimit(.minutes(1)))
    func unreachable() async throws {
        let address = PostgresAddress(user: "callgate", password: "x", host: "127.0.0.1", port: 1, database: "none", sslMode: .disable)
        let error = await #expect(throws: AuditStoreError.self) {
            try await PostgresAuditStore.open(address, keys: Fixtures.keys, configuration: .init(operationTimeout: .seconds(2)))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.detail.hasPrefix("The PostgreSQL store 127.0.0.1:1/none could not connect: the server cannot be reached: ") == true)
    }
}
