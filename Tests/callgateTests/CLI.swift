import Foundation
import Testing

/// Runs the built `callgate` binary (beside the test bundle) as a subprocess.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = here.deletingLastPathComponent()
        // On Darwin the runner lives inside the .xctest bundle; on Linux beside it.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("callgate").path),
              directory.pathComponents.count > 1 {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("callgate")
    }

    /// Runs the binary on a thread of its own (`offPool`): waiting for a subprocess on one of the
    /// suite's two cooperative threads starves the in-process servers and clients of the tests
    /// running beside it into timeouts.
    static func run(_ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:]) async throws -> Result {
        try await offPool { try runBlocking(arguments, stdin: stdin, environment: environment) }
    }

    /// Runs the binary and waits for it on the calling thread: for code already off the
    /// cooperative pool (inside `offPool`) or synchronous helpers.
    static func runBlocking(_ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Write and read concurrently so a large input cannot deadlock on full pipes.
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        let errorReader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        errorReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    static func run(_ arguments: [String], stdin: String) async throws -> Result {
        try await run(arguments, stdin: Data(stdin.utf8))
    }

    /// `runBlocking(_:stdin:environment:)` with text as standard input.
    static func runBlocking(_ arguments: [String], stdin: String) throws -> Result {
        try runBlocking(arguments, stdin: Data(stdin.utf8))
    }

    /// Adds a key named `name` with `role` to the keys file `file` (`callgate keys create`); returns the key.
    static func createKey(_ name: String, _ role: String, file: String) throws -> String {
        let created = try runBlocking(["keys", "create", "--name", name, "--role", role, "--file", file], stdin: "")
        try #require(created.status == 0, "\(created.stderr)")
        return created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `callgate serve` (the binary) on a free loopback port (``ServeCommandTests/serve(keys:_:waitOverHTTP:)``),
/// with a keys file holding one Manager key, a SQLite store and an audit key in a temporary
/// directory of its own.
struct ServedBinary {
    let process: Process
    let directory: URL
    let base: String
    var port: Int { Int(base.split(separator: ":").last!)! }
    var readyz: String { base + "/readyz" }
    var keysFile: String { directory.appendingPathComponent("keys.yaml").path }

    /// Starts `serve` with `arguments` after the usual ones; returns it with the Manager key.
    static func start(_ arguments: [String] = [], waitOverHTTP: Bool = true) async throws -> (ServedBinary, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-served-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keys = directory.appendingPathComponent("keys.yaml").path
        let created = try await CLI.run(["keys", "create", "--name", "first", "--role", "Manager", "--file", keys], stdin: "")
        #expect(created.status == 0)
        let (process, base) = try await ServeCommandTests.serve(
            keys: keys, ["--store", "sqlite:" + directory.appendingPathComponent("callgate.sqlite").path,
                         "--audit-key-file", directory.appendingPathComponent("audit.key").path] + arguments,
            waitOverHTTP: waitOverHTTP)
        return (ServedBinary(process: process, directory: directory, base: base), created.stdout.trimmingCharacters(in: .newlines))
    }

    /// SIGTERM when still running, then removes the directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A value handed from a reader thread to the test.
final class LockedData: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
