import CallGateStorage
import Foundation
import PostgresStorage

/// The PostgreSQL server of the tests: the one `make test` started (`CALLGATE_TEST_POSTGRES_URL`),
/// else one this test process starts through `scripts/postgres-cluster.sh` on first use and stops
/// when it exits, so `swift test` alone runs every test too.
public enum PostgresTestCluster {
    /// The server's URL, superuser and password included, e.g.
    /// `postgres://callgate:PW@127.0.0.1:PORT/postgres?sslmode=disable`.
    public static var url: String {
        get throws { try shared.get().url }
    }

    /// The cluster's directory when this process started it (nil when `make test` did): the tests
    /// that stop and restart the server use it.
    public static var directory: String? {
        get throws { try shared.get().directory }
    }

    /// The URL of the database `name` on the server (created by `createDatabase(_:)`), with the
    /// server's URL's parameters.
    public static func url(database name: String) throws -> String {
        let base = try url
        let query = base.firstIndex(of: "?").map { base[$0...] } ?? ""
        let withoutQuery = base.dropLast(query.count)
        guard let slash = withoutQuery.lastIndex(of: "/") else { return base }
        return String(withoutQuery[..<slash]) + "/" + name + query
    }

    /// Deadlines for a machine whose cores the whole suite shares; what a deadline does is tested
    /// with short ones (`PostgresConnectionTests`).
    public static let storeConfiguration = PostgresAuditStore.Configuration(
        operationTimeout: .seconds(60), readinessTimeout: .seconds(60)
    )

    /// The address of the database `name` on the server, password included.
    public static func address(database name: String) throws -> PostgresAddress {
        guard case .postgres(let address) = try AuditStoreURL.parse(try url(database: name)) else {
            throw ClusterError("CALLGATE_TEST_POSTGRES_URL is not a postgres:// URL")
        }
        return address
    }

    /// Creates the database `name` unless it exists.
    public static func createDatabase(_ name: String) throws {
        let exists = try psql("SELECT 1 FROM pg_database WHERE datname = '\(name)'")
        if exists.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
            _ = try psql("CREATE DATABASE \(name)")
        }
    }

    /// Runs `sql` through `psql` on the server's `postgres` database; returns what it printed.
    @discardableResult
    public static func psql(_ sql: String, database: String = "postgres") throws -> String {
        let output = Pipe()
        let errors = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", try url(database: database), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ClusterError("psql failed on '\(sql)': \(String(decoding: complaint, as: UTF8.self))")
        }
        return String(decoding: printed, as: UTF8.self)
    }

    /// Runs `scripts/postgres-cluster.sh COMMAND DIRECTORY`; returns what it printed. Its output
    /// goes through files, not pipes: the server it starts outlives it and would hold a pipe open.
    @discardableResult
    public static func script(_ command: String, _ directory: String) throws -> String {
        let outputPath = NSTemporaryDirectory() + "/callgate-pg-script-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath + ".out")
            try? FileManager.default.removeItem(atPath: outputPath + ".err")
        }
        FileManager.default.createFile(atPath: outputPath + ".out", contents: nil)
        FileManager.default.createFile(atPath: outputPath + ".err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scriptPath)
        process.arguments = [command, directory]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath + ".err"))
        try process.run()
        process.waitUntilExit()
        let printed = (try? String(contentsOfFile: outputPath + ".out", encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let complaint = (try? String(contentsOfFile: outputPath + ".err", encoding: .utf8)) ?? ""
            throw ClusterError("scripts/postgres-cluster.sh \(command) failed: \(complaint)")
        }
        return printed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The repository's `scripts/postgres-cluster.sh`, found from this file's path.
    static let scriptPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres-cluster.sh").path

    private struct Started: Sendable {
        var url: String
        var directory: String?
    }

    private static let shared: Result<Started, any Error> = Result {
        if let given = ProcessInfo.processInfo.environment["CALLGATE_TEST_POSTGRES_URL"], !given.isEmpty {
            return Started(url: given, directory: nil)
        }
        let directory = NSTemporaryDirectory() + "/callgate-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        startedDirectory = directory
        atexit { if let directory = startedDirectory { _ = try? PostgresTestCluster.script("stop", directory) } }
        return Started(url: try script("start", directory), directory: directory)
    }

    /// The directory `atexit` stops the cluster of: a C function pointer captures no context. It
    /// is written once, inside `shared`'s one-time initializer and before the handler is registered,
    /// and read only by that handler at exit, so no two threads ever touch it at once.
    nonisolated(unsafe) private static var startedDirectory: String?
}

/// A failure to start or use the tests' PostgreSQL server.
public struct ClusterError: Error, CustomStringConvertible {
    /// What failed.
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
