import CallGateStorage
import Foundation
import SQLiteStorage
import StorageTestSupport
import Testing

@Suite("Durability")
struct DurabilityTests {
    /// The helper executable, built beside the test bundle.
    static var helper: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = here.deletingLastPathComponent()
        // On Darwin the runner lives inside the .xctest bundle; on Linux beside it.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("AuditCrashHelper").path),
              directory.pathComponents.count > 1 {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("AuditCrashHelper")
    }

    @Test("every record acknowledged before kill -9 is in the database after reopening, and the chain is intact")
    func killedWriter() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("crash/audit.sqlite")
        let process = Process()
        process.executableURL = Self.helper
        process.arguments = [path, Fixtures.secret.map { String(format: "%02x", $0) }.joined()]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        // Let it acknowledge a good number of records, then kill it mid-flight.
        var received = Data()
        let deadline = Date().addingTimeInterval(60)
        while received.split(separator: UInt8(ascii: "\n")).count < 2000, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        kill(process.processIdentifier, SIGKILL)
        received += output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal, "helper ended on its own: \(stderr)")

        var acknowledged: [Int64: String] = [:]
        for line in String(decoding: received, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "ack", let sequence = Int64(fields[1]) else { continue }
            acknowledged[sequence] = String(fields[2])
        }
        #expect(acknowledged.count >= 2000, "only \(acknowledged.count) acknowledgements; helper said: \(stderr)")

        let store = try SQLiteAuditStore(path: path, keys: Fixtures.keys)
        var stored: [Int64: String] = [:]
        try await store.export(AuditQuery(), batchSize: 1000) { records in
            for record in records { stored[record.sequence] = record.requestId }
        }
        let lost = acknowledged.filter { stored[$0.key] != $0.value }
        #expect(lost.isEmpty, "acknowledged but not stored: \(lost.keys.sorted().prefix(10))")
        #expect(stored.count >= acknowledged.count)
        let verification = try await store.verify()
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.checked == stored.count)
        await store.close()
    }
}
