import Logging
import ServiceLifecycle
import UnixSignals

/// Keeps the HTTPS port's certificate current for rotation: checks the TLS files every
/// `interval` and reloads them when they changed, and reloads them on SIGHUP. A reload that fails
/// is logged and the previous certificate stays in force.
struct TLSReloadService: Service {
    let box: TLSContextBox
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in signals { reload(force: true) }
                }
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil { reload(force: false) }
                }
                _ = await group.next()
                group.cancelAll()
            }
        }
    }

    private func reload(force: Bool) {
        do {
            if try box.reload(force: force) {
                logger.notice("TLS certificate reloaded", metadata: ["tls.cert_file": "\(box.files.certificateFile)"])
            }
        } catch {
            logger.error("TLS files not reloaded; the previous certificate stays in force for new connections",
                         metadata: ["tls.cert_file": "\(box.files.certificateFile)", "error": "\(error)"])
        }
    }
}
