import CallGateStorage
import Logging
import PostgresNIO
import Synchronization

/// A connection pool to one database (PostgresNIO's `PostgresClient`, run by a task of its own
/// until `close`), and the one way the store reaches it: `perform`, which bounds every operation
/// by a deadline and turns its failures into store errors.
final class PostgresPool: Sendable {
    let address: PostgresAddress
    let client: PostgresClient
    let operationTimeout: Duration
    private let running: Task<Void, Never>
    private let isClosed = Atomic<Bool>(false)

    init(_ address: PostgresAddress, configuration: PostgresAuditStore.Configuration, logger: Logger) throws(AuditStoreError) {
        self.address = address
        operationTimeout = configuration.operationTimeout
        let client = PostgresClient(
            configuration: try PostgresAuditStore.clientConfiguration(address, configuration), backgroundLogger: logger
        )
        self.client = client
        running = Task { await client.run() }
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

    /// `host:port/database`, for messages.
    var place: String { "\(address.host):\(address.port)/\(address.database)" }

    /// Stops the pool; later operations fail as `unavailable`.
    func close() async {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        running.cancel()
        await running.value
    }
}
