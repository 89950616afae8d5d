import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the ``FileReloader``: forced on every SIGHUP, and a check for changes every `pollInterval`
/// (none when `nil`), so that a secret file swapped by Kubernetes or rewritten by an operator is
/// picked up without a signal.
struct ReloadService: Service {
    let reloader: FileReloader
    let pollInterval: Duration?

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals { reloader.check(force: true) }
                }
                if let pollInterval {
                    group.addTask {
                        while (try? await Task.sleep(for: pollInterval)) != nil { reloader.check(force: false) }
                    }
                }
                await group.waitForAll()
            }
        }
    }
}
