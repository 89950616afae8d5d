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

    /// Counts the steps of a long operation (`perform`'s `progress`): each step restarts its deadline.
    final class Progress: Sendable {
        private let steps = Atomic<Int>(0)

        /// One more step done.
        func advance() { steps.add(1, ordering: .relaxed) }

        var count: Int { steps.load(ordering: .relaxed) }
    }

    /// Runs `job` with the pool, within `timeout` (the operation timeout unless given), or with
    /// `progress`, within `timeout` of its last step; its errors are reported as failing to
    /// `action` ("append 3 records").
    ///
    /// The deadline holds even when the job does not end on cancellation (a query on a connection
    /// whose server vanished can wait for ever): the caller is answered at the deadline, and the
    /// job, cancelled, is left to end on its own.
    func perform<Result: Sendable>(
        _ action: @autoclosure () -> String, timeout: Duration? = nil, progress: Progress? = nil,
        _ job: @escaping @Sendable (PostgresClient) async throws -> Result
    ) async throws(AuditStoreError) -> Result {
        guard !isClosed.load(ordering: .acquiring) else {
            throw AuditStoreError(code: .unavailable, detail: "The PostgreSQL store \(place) is closed.")
        }
        let client = client
        let timeout = timeout ?? operationTimeout
        let place = place
        let outcome = Outcome<Result>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                    outcome.start(continuation)
                    let watchdog = Task {
                        // The pool waits for a connection it keeps failing to make (a server
                        // stopped or refusing us) until the deadline: asked early, the reason
                        // fails the operation at once, and a request is answered 503 in about a
                        // second instead of the whole timeout, for each of its commits.
                        let probeAfter = min(timeout, Self.unreachableProbeDelay)
                        try await Task.sleep(for: probeAfter)
                        if outcome.isPending, let problem = await self.connectionProblem(within: timeout) {
                            outcome.cancelWork()
                            outcome.finish(.failure(problem))
                            return
                        }
                        var seen = progress?.count ?? 0
                        var wait = timeout - probeAfter
                        while true {
                            try await Task.sleep(for: wait)
                            wait = timeout
                            guard let progress, progress.count != seen else { break }
                            seen = progress.count
                        }
                        guard outcome.isPending else { return }
                        outcome.cancelWork()
                        let problem = await self.connectionProblem(within: timeout)
                        outcome.finish(.failure(problem ?? AuditStoreError(
                            code: .unavailable,
                            detail: "The PostgreSQL store \(place) did not answer within \(timeout): the server cannot be reached or is overloaded."
                        )))
                    }
                    outcome.setWork(Task {
                        let result: Swift.Result<Result, any Error>
                        do {
                            result = .success(try await job(client))
                        } catch {
                            result = .failure(error)
                        }
                        watchdog.cancel()
                        outcome.finish(result)
                    })
                }
            } onCancel: {
                outcome.cancelWork()
            }
        } catch {
            throw PostgresFailure.storeError(error, action(), at: address)
        }
    }

    /// How long an operation runs before the pool is asked whether it can reach the server at all.
    static let unreachableProbeDelay: Duration = .seconds(1)

    /// `connectionProblem()`, given up after `limit` (nil then: no reason found in time): a server
    /// that accepts the connection and never answers must not hold a deadline's caller.
    private func connectionProblem(within limit: Duration) async -> (any Error)? {
        let outcome = Outcome<(any Error)?>()
        return try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(any Error)?, any Error>) in
            outcome.start(continuation)
            let timer = Task {
                try await Task.sleep(for: limit)
                outcome.cancelWork()
                outcome.finish(.success(nil))
            }
            outcome.setWork(Task {
                let problem = await connectionProblem()
                timer.cancel()
                outcome.finish(.success(problem))
            })
        }
    }

    /// The one answer of a `perform`: whichever of the job and its deadline comes first.
    private final class Outcome<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, any Error>?
            var work: Task<Void, Never>?
            var cancelled = false
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<Value, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func setWork(_ work: Task<Void, Never>) {
            let cancelNow = state.withLock { state in
                state.work = work
                return state.cancelled
            }
            if cancelNow { work.cancel() }
        }

        var isPending: Bool { state.withLock { $0.continuation != nil } }

        func cancelWork() {
            let work = state.withLock { state in
                state.cancelled = true
                return state.work
            }
            work?.cancel()
        }

        func finish(_ result: Result<Value, any Error>) {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(with: result)
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
