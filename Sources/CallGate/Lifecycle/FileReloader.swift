import Logging
import Synchronization

/// The one door through which the files CallGate keeps reading while it runs (the keys, the webhook
/// sources, the TLS certificate) are taken up again: each check compares every source's files with
/// their fingerprints at the last check and reloads a source whose files changed (every source when
/// forced, as on SIGHUP). A reload that fails keeps what is in force, is logged with its reason and
/// counted in `callgate_reload_failures_total`, once per change of the files.
final class FileReloader: Sendable {
    /// Files read as one, and how to take them up again.
    struct Source: Sendable {
        /// The source's name in logs and in the metric's `file` label: `keys`, `webhook_sources`, `tls`.
        let name: String
        /// The files it is read from.
        let paths: [String]
        /// Reads the files and puts them in force, returning log metadata on what is now in force;
        /// throws (leaving the old content in force) when they cannot be used.
        let reload: @Sendable () throws -> Logger.Metadata
    }

    private let sources: [Source]
    /// Each source's fingerprints at the last check; the lock also keeps two checks from overlapping.
    private let seen: Mutex<[[FileFingerprint?]]>
    private let metrics: GatewayMetrics?
    private let logger: Logger

    /// Watches `sources`, as they are now: call it right after they were read.
    init(sources: [Source], metrics: GatewayMetrics?, logger: Logger) {
        self.sources = sources
        self.seen = Mutex(sources.map { $0.paths.map(FileFingerprint.of) })
        self.metrics = metrics
        self.logger = logger
    }

    /// Reloads the sources whose files changed since the last check, or all of them when `force`.
    func check(force: Bool) {
        seen.withLock { seen in
            for (index, source) in sources.enumerated() {
                let now = source.paths.map(FileFingerprint.of)
                guard force || now != seen[index] else { continue }
                seen[index] = now
                let files: Logger.MetadataValue = .string(source.paths.joined(separator: ","))
                do {
                    var metadata = try source.reload()
                    metadata["reload.source"] = .string(source.name)
                    metadata["reload.files"] = files
                    logger.notice("File reloaded", metadata: metadata)
                } catch {
                    metrics?.recordReloadFailure(file: source.name)
                    logger.error("File not reloaded; what was in force stays", metadata: [
                        "reload.source": .string(source.name), "reload.files": files, "error": "\(error)"])
                }
            }
        }
    }
}
