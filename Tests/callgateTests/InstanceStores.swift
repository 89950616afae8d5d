import Foundation
import StorageTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where the `callgate serve` processes of a several-instance test keep their trail, outbox and
/// idempotency keys: each in a SQLite file of its own, or all in one PostgreSQL database on the
/// tests' server (`PostgresTestCluster`), with one audit secret, as a deployment runs them.
struct InstanceStores: Sendable {
    /// The backend the instances run on.
    enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres

        var testDescription: String { rawValue }
    }

    let backend: Backend
    let directory: URL
    /// The shared database's name and URL (password included), for `postgres`.
    let databaseName: String?
    private let databaseURL: String?

    /// Prepares the stores under `directory`: for `postgres` a new database on the tests' server,
    /// which starts that server on first use (seconds of blocking work: call it off the pool).
    init(_ backend: Backend, directory: URL) throws {
        self.backend = backend
        self.directory = directory
        switch backend {
        case .sqlite:
            databaseName = nil
            databaseURL = nil
        case .postgres:
            let name = "callgate_instances_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try PostgresTestCluster.createDatabase(name)
            databaseName = name
            databaseURL = try PostgresTestCluster.url(database: name)
        }
    }

    /// Instance `index`'s own directory (its logs, and its SQLite file or its witness files).
    func instanceDirectory(_ index: Int) throws -> URL {
        let own = directory.appendingPathComponent("instance-\(index)")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        return own
    }

    /// The ids of the webhook deliveries the process `pid` holds claimed in the shared database
    /// (`sending`, their `claimed_by` naming the process).
    func deliveriesSending(by pid: Int32) throws -> Set<String> {
        guard let databaseName else { return [] }
        let ids = try PostgresTestCluster.psql(
            "SELECT id FROM deliveries WHERE status = 'sending' AND claimed_by LIKE '%/\(pid)/%'", database: databaseName)
        return Set(ids.split(separator: "\n").map(String.init))
    }

    /// Waits, for at most `seconds`, until the process `pid` holds a delivery claimed; returns whether it does.
    func waitUntilSending(by pid: Int32, seconds: Int) throws -> Bool {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        repeat {
            if try !deliveriesSending(by: pid).isEmpty { return true }
            usleep(20_000)
        } while Date() < deadline
        return false
    }

    /// Fails the test, with its log, when an instance of `instances` (each logging to
    /// `serve-0.log` in its directory) has exited since it started: one whose port another
    /// process took answers nothing, while its port answers for someone else.
    func requireRunning(_ instances: [WebhookCrashTests.Running]) throws {
        for (index, instance) in instances.enumerated() where !instance.process.isRunning {
            let log = (try? String(contentsOf: instanceDirectory(index).appendingPathComponent("serve-0.log"), encoding: .utf8)) ?? ""
            Issue.record("instance \(index) exited at start: \(log)")
        }
        let running = instances.allSatisfy { $0.process.isRunning }
        try #require(running)
    }

    /// The store arguments of `callgate serve` for instance `index`. On PostgreSQL every instance
    /// reads one audit secret (the first to start creates its file) and keeps its witness beside
    /// its own logs: the witness's default sits beside a SQLite file, which a database URL lacks.
    func serveArguments(_ index: Int) throws -> [String] {
        let own = try instanceDirectory(index)
        switch backend {
        case .sqlite:
            return trailArguments(sqliteIn: own)
        case .postgres:
            return trailArguments(postgres: databaseURL!)
                + ["--audit-witness-file", own.appendingPathComponent("audit.witness").path,
                   "--audit-witness-key-file", own.appendingPathComponent("audit-witness.key").path]
        }
    }

    /// The store arguments of `callgate audit` for each distinct trail: three SQLite files, or the
    /// one database.
    var trails: [[String]] {
        switch backend {
        case .sqlite:
            return (0..<3).map { trailArguments(sqliteIn: directory.appendingPathComponent("instance-\($0)")) }
        case .postgres:
            return [trailArguments(postgres: databaseURL!)]
        }
    }

    private func trailArguments(sqliteIn own: URL) -> [String] {
        ["--store", "sqlite:" + own.appendingPathComponent("audit.sqlite").path,
         "--audit-key-file", own.appendingPathComponent("audit.key").path]
    }

    private func trailArguments(postgres url: String) -> [String] {
        ["--store", url, "--audit-key-file", directory.appendingPathComponent("audit.key").path]
    }

    /// What a test reads of one audit record.
    struct Record: Sendable, Hashable {
        let requestId: String
        let operation: String
        let outcome: String
        /// The status answered; nil for an intent.
        let status: Int?
    }

    /// The records `callgate audit query` prints for `filters` on the trail `store` (one of
    /// `trails`).
    static func records(_ filters: [String], store: [String]) throws -> [Record] {
        let query = try CLI.runBlocking(["audit", "query"] + filters + store, stdin: "")
        guard query.status == 0 else {
            throw AuditQueryFailed(description: "callgate audit query \(filters) exited \(query.status): \(query.stderr)")
        }
        return try query.stdout.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return Record(requestId: object["requestId"] as? String ?? "", operation: object["operation"] as? String ?? "",
                          outcome: object["outcome"] as? String ?? "", status: object["status"] as? Int)
        }
    }
}

/// `callgate audit query` failed: what it said.
struct AuditQueryFailed: Error, CustomStringConvertible {
    let description: String
}
