import CallGateCore
import Foundation
import Logging
import Prometheus
import Testing

@testable import CallGate

/// The reload door on real files: what counts as a change (the file a path leads to, and its
/// content), and what a bad file does.
@Suite("File reloads: keys, webhook sources and TLS files through one door")
struct FileReloaderTests {
    /// A keys file in `directory` with one Manager key named `name`; returns the key.
    static func keysFile(at path: String, name: String) throws -> String {
        var file = KeysFile()
        let key = try file.create(name: name, role: .manager, services: nil, agentLoginId: nil)
        try file.save(path: path)
        return key
    }

    /// A keys file with one key, its store, and a reloader watching it, counting failures in `registry`.
    struct Watched {
        let directory: APIKeyTests.TemporaryDirectory
        let path: String
        let oldKey: String
        let registry = PrometheusCollectorRegistry()
        let keys: APIKeyStore
        let reloader: FileReloader

        init() throws {
            directory = try APIKeyTests.TemporaryDirectory()
            path = directory.path + "/keys.yaml"
            oldKey = try FileReloaderTests.keysFile(at: path, name: "crm")
            (keys, reloader) = try FileReloaderTests.watch(path, registry: registry)
        }
    }

    /// The keys store and a reloader watching it (alone), counting failures in `registry`.
    static func watch(_ path: String, registry: PrometheusCollectorRegistry) throws -> (APIKeyStore, FileReloader) {
        let keys = try APIKeyStore(path: path)
        let webhooks = try WebhookSourceStore(path: path + ".absent-webhook-sources.yaml")
        let reloader = FileReloader(sources: CallGateService.reloadSources(keys: keys, webhooks: webhooks, tls: nil),
                                    metrics: GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry)),
                                    logger: Logger(label: "test"))
        return (keys, reloader)
    }

    static func failures(_ registry: PrometheusCollectorRegistry, file: String) -> String? {
        String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix("callgate_reload_failures_total{file=\"\(file)\"}") }.map(String.init)
    }

    @Test("A Kubernetes-style swap of the ..data symbolic link is picked up, though the path and the link's target name stay the same")
    func symlinkSwap() throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        let fileManager = FileManager.default
        // As kubelet lays out a secret volume: keys.yaml → ..data/keys.yaml, ..data → ..2026_1.
        try fileManager.createDirectory(atPath: directory.path + "/..2026_1", withIntermediateDirectories: false)
        let oldKey = try Self.keysFile(at: directory.path + "/..2026_1/keys.yaml", name: "crm")
        try fileManager.createSymbolicLink(atPath: directory.path + "/..data", withDestinationPath: "..2026_1")
        try fileManager.createSymbolicLink(atPath: directory.path + "/keys.yaml", withDestinationPath: "..data/keys.yaml")
        let registry = PrometheusCollectorRegistry()
        let (keys, reloader) = try Self.watch(directory.path + "/keys.yaml", registry: registry)

        reloader.check(force: false)
        #expect(keys.authenticate(key: oldKey)?.name == "crm")

        // The new version beside it, then ..data re-pointed in one rename, as kubelet does.
        try fileManager.createDirectory(atPath: directory.path + "/..2026_2", withIntermediateDirectories: false)
        let newKey = try Self.keysFile(at: directory.path + "/..2026_2/keys.yaml", name: "crm")
        try fileManager.createSymbolicLink(atPath: directory.path + "/..data_tmp", withDestinationPath: "..2026_2")
        #expect(rename(directory.path + "/..data_tmp", directory.path + "/..data") == 0)
        try fileManager.removeItem(atPath: directory.path + "/..2026_1")

        reloader.check(force: false)
        #expect(keys.authenticate(key: newKey)?.name == "crm")
        #expect(keys.authenticate(key: oldKey) == nil)
        #expect(Self.failures(registry, file: "keys") == nil)
    }

    @Test("A file rewritten in place, same size and same modification time, is picked up by its content")
    func inPlaceRewrite() throws {
        let watched = try Watched()
        let (directory, path, oldKey, registry, keys, reloader) = (watched.directory, watched.path, watched.oldKey, watched.registry,
                                                                   watched.keys, watched.reloader)
        var before = stat()
        #expect(stat(path, &before) == 0)

        // Another file of the same length, copied over the first through the same inode.
        let newKey = try Self.keysFile(at: directory.path + "/next.yaml", name: "crm")
        let content = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/next.yaml"))
        #expect(content.count == Int(before.st_size))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: content)
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        var after = stat()
        #expect(stat(path, &after) == 0)
        #expect(after.st_ino == before.st_ino && after.st_size == before.st_size)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)

        reloader.check(force: false)
        #expect(keys.authenticate(key: newKey)?.name == "crm")
        #expect(keys.authenticate(key: oldKey) == nil)
    }

    @Test("A bad new file keeps the keys in force, is counted once per change, and a good one after it is taken")
    func badFile() throws {
        let watched = try Watched()
        let (path, oldKey, registry, keys, reloader) = (watched.path, watched.oldKey, watched.registry, watched.keys, watched.reloader)

        try "keys: [\n".write(toFile: path, atomically: true, encoding: .utf8)
        reloader.check(force: false)
        #expect(keys.authenticate(key: oldKey)?.name == "crm")
        #expect(Self.failures(registry, file: "keys") == #"callgate_reload_failures_total{file="keys"} 1"#)
        // Unchanged since: not read again, not counted again.
        reloader.check(force: false)
        #expect(Self.failures(registry, file: "keys") == #"callgate_reload_failures_total{file="keys"} 1"#)
        // Forced (SIGHUP): read again, and refused again.
        reloader.check(force: true)
        #expect(Self.failures(registry, file: "keys") == #"callgate_reload_failures_total{file="keys"} 2"#)
        #expect(keys.authenticate(key: oldKey)?.name == "crm")

        // Deleted: the keys in force stay too.
        try FileManager.default.removeItem(atPath: path)
        reloader.check(force: false)
        #expect(keys.authenticate(key: oldKey)?.name == "crm")
        #expect(Self.failures(registry, file: "keys") == #"callgate_reload_failures_total{file="keys"} 3"#)

        let newKey = try Self.keysFile(at: path, name: "ops")
        reloader.check(force: false)
        #expect(keys.authenticate(key: newKey)?.name == "ops")
        #expect(keys.authenticate(key: oldKey) == nil)
        #expect(Self.failures(registry, file: "keys") == #"callgate_reload_failures_total{file="keys"} 3"#)
    }

    @Test("A webhook sources file that appears is picked up; one that is invalid keeps the sources in force")
    func webhookSources() throws {
        let directory = try APIKeyTests.TemporaryDirectory()
        _ = try Self.keysFile(at: directory.path + "/keys.yaml", name: "crm")
        let keys = try APIKeyStore(path: directory.path + "/keys.yaml")
        let sourcesPath = directory.path + "/webhook-sources.yaml"
        let webhooks = try WebhookSourceStore(path: sourcesPath)
        let registry = PrometheusCollectorRegistry()
        let reloader = FileReloader(sources: CallGateService.reloadSources(keys: keys, webhooks: webhooks, tls: nil),
                                    metrics: GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry)),
                                    logger: Logger(label: "test"))
        #expect(webhooks.count == 0)

        var file = WebhookSourcesFile()
        _ = try file.addSource(name: "crm", role: .manager, services: nil, agentLoginId: nil)
        try file.save(path: sourcesPath)
        reloader.check(force: false)
        #expect(webhooks.count == 1)

        try "sources: {".write(toFile: sourcesPath, atomically: true, encoding: .utf8)
        reloader.check(force: false)
        #expect(webhooks.count == 1)
        #expect(Self.failures(registry, file: "webhook_sources") == #"callgate_reload_failures_total{file="webhook_sources"} 1"#)
        #expect(Self.failures(registry, file: "keys") == nil)
    }
}
