import CallGateStorage
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// A connection pool to one database (PostgresNIO's `PostgresClient`, run by a task of its own
/// until `close`), and the one way the store reaches it: `perform`, which bounds every operation
/// by a deadline and turns its failures into store errors.
///
/// The pool retries a connection that cannot be made without failing the operations waiting for
/// one, so a wrong password or a server without TLS would show only as a deadline passed. When an
/// operation's deadline passes, and when the store opens, one connection of its own
/// (`connectionProblem`) tells why.
final class PostgresPool: Sendable {
    let address: PostgresAddress
    let client: PostgresClient
    let operationTimeout: Duration
    private let configuration: PostgresClient.Configuration
    private let tls: TLSConfiguration?
    private let logger: Logger
    private let running: Task<Void, Never>
    private let isClosed = Atomic<Bool>(false)

    init(_ address: PostgresAddress, configuration: PostgresAuditStore.Configuration, logger: Logger) throws(AuditStoreError) {
        self.address = address
        self.logger = logger
        operationTimeout = configuration.operationTimeout
        (self.configuration, tls) = try PostgresAuditStore.clientConfiguration(address, configuration)
        let client = PostgresClient(configuration: self.configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Why a connection to the database cannot be made now, from one connection made outside the
    /// pool with the pool's settings; nil when it can be.
    func connectionProblem() async -> (any Error)? {
        do {
            var connection = PostgresConnection.Configuration(
                host: address.host, port: address.port, username: configuration.username,
                password: configuration.password, database: configuration.database,
                tls: try tls.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
            )
            connection.options.connectTimeout = .nanoseconds(Int64(operationTimeout.components.seconds) * 1_000_000_000)
            connection.options.additionalStartupParameters = configuration.options.additionalStartupParameters
            let opened = try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
            try await opened.close()
            return nil
        } catch {
            return error
        }
    }

    /// Runs `job` with the pool, within `timeout` (the operation timeout unless given); its errors
    /// are reported as failing to `action` ("append 3 records").
    func perform<Result: Sendable>(
        _ action: @autoclosure () -> String, timeout: Duration? = nil,
        _ job: @escaping @Sendable (PostgresClient) async throws -> Result
    ) async throws(AuditStoreError) -> Result {
        guard !isClosed.load(ordering: .acquiring) else {
            throw AuditStoreError(code: .unavailable, detail: "The PostgreSQL store \(place) is closed.")
        }
        let client = client
        let timeout = timeout ?? operationTimeout
        let place = place
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await job(client) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    group.cancelAll()
                    if let problem = await connectionProblem() { throw problem }
                    throw AuditStoreError(
                        code: .unavailable,
                        detail: "The PostgreSQL store \(place) did not answer within \(timeout): the server cannot be reached or is overloaded."
                    )
                }
                return result
            }
        } catch {
            throw PostgresFailure.storeError(error, action(), at: address)
        }
    }

    /// Throws why a connection cannot be made now (see `connectionProblem`): opening a store fails
    /// at once with the reason, not after the operation timeout.
    func checkConnection() async throws(AuditStoreError) {
        if let problem = await connectionProblem() {
            throw PostgresFailure.storeError(problem, "connect", at: address)
        }
    }

    /// `host:port/database`, for messages.
    var place: String { "\(address.host):\(address.port)/\(address.database)" }

    /// Stops the pool; later operations fail as `unavailable`.
    func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        running.cancel()
        await running.value
    }
}
