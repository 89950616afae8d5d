import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Whether the instance is draining before it stops: from the start of a graceful shutdown,
/// `/readyz` answers 503 `draining` and every answer closes its connection, while requests are
/// still served, so that a load balancer stops choosing this instance and holds no idle
/// connection to it when the port closes.
public final class ShutdownDrain: Sendable {
    private let draining = Atomic(false)

    /// A drain not begun.
    public init() {}

    /// Whether the drain has begun.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Begins the drain; it lasts until the process exits.
    func begin() {
        draining.store(true, ordering: .relaxed)
    }
}

/// The first service to stop (it is the last in the group, and a group stops its services in
/// reverse order): on graceful shutdown it begins the drain and returns only after `delay`, or at
/// a second SIGTERM or SIGINT, so that the HTTP server stops accepting only then.
struct ShutdownDrainService: Service {
    let drain: ShutdownDrain
    let delay: Duration
    let logger: Logger

    func run() async throws {
        // Cancelled before any shutdown (the group failed): nothing to drain.
        guard (try? await gracefulShutdown()) != nil else { return }
        guard delay > .zero else {
            drain.begin()
            return
        }
        // Trapped only now, so the signal that began the shutdown is not counted as the second, and
        // before the drain shows, so that a second signal sent once `/readyz` fails is never missed.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        drain.begin()
        logger.notice("Draining: /readyz answers 503 while requests are still served",
                      metadata: ["shutdown.drain_seconds": "\(delay.components.seconds)"])
        let ended = await withTaskGroup(of: String.self) { group in
            group.addTask {
                try? await Task.sleep(for: delay)
                return "delay"
            }
            group.addTask {
                for await _ in signals { return "signal" }
                return "delay"
            }
            let first = await group.next() ?? "delay"
            group.cancelAll()
            return first
        }
        logger.notice("Drain over: the port closes and requests in flight finish",
                      metadata: ["shutdown.drain_ended_by": "\(ended)"])
    }
}
