import Hummingbird
import Logging
import ServiceLifecycle

extension LiveVoxSimulator {
    /// A Hummingbird application serving this simulator, to run as a `Service` in the caller's
    /// `ServiceGroup`; `onServerRunning` receives the port actually bound (useful with port 0).
    public func application(
        host: String = "127.0.0.1",
        port: Int = 0,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: SimulatorResponder(simulator: self),
            configuration: .init(address: .hostname(host, port: port), serverName: "LiveVoxSimulator"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Starts this simulator's server on `host`:`port` (0 picks a free port) and returns once it
    /// listens; throws when it cannot listen.
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> RunningSimulator {
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = application(host: host, port: port, onServerRunning: { bound in
            portContinuation.yield(bound)
            portContinuation.finish()
        })
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await task.value
            throw SimulatorSetupError.serverStoppedBeforeListening
        }
        logger.info("LiveVox simulator listening", metadata: ["simulator.host": "\(host)", "simulator.port": "\(bound)"])
        return RunningSimulator(simulator: self, host: host, port: bound, group: group, task: task)
    }

    /// Creates a simulator and starts it; see ``start(host:port:)``.
    public static func start(
        configuration: SimulatorConfiguration = .init(),
        clock: SimulatorClock = SimulatorClock(),
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger
    ) async throws -> RunningSimulator {
        try await LiveVoxSimulator(configuration: configuration, clock: clock, logger: logger).start(host: host, port: port)
    }
}

/// A simulator whose server is listening; ``shutdown()`` stops it.
public struct RunningSimulator: Sendable {
    /// The simulator, for in-process inspection and control.
    public let simulator: LiveVoxSimulator
    /// The host it listens on.
    public let host: String
    /// The port it listens on (the real one when started on port 0).
    public let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// The base URL to give a LiveVox client, e.g. `http://127.0.0.1:49152`.
    public var baseURL: String {
        host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
    }

    /// Stops the server and waits until it has stopped.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
