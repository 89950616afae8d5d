// Usage: AuditCrashHelper DATABASE_PATH SECRET_HEX
//
// Appends records through an AuditWriter from 8 concurrent tasks, forever, and writes
// "ack SEQUENCE REQUEST_ID" on standard output after each acknowledgement. The durability test
// kills it with SIGKILL and checks that every acknowledged record survived.
import CallGateStorage
import SQLiteStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one whole line with one write(2), so lines never interleave and none is half-written.
func emit(_ line: String, to descriptor: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    emit("AuditCrashHelper: \(message)", to: 2)
    exit(2)
}

func parseHex(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count.isMultiple(of: 2) else { return nil }
    var bytes: [UInt8] = []
    var index = 0
    while index < digits.count {
        guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
        index += 2
    }
    return bytes
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let secret = parseHex(arguments[2]) else {
    fail("usage: AuditCrashHelper DATABASE_PATH SECRET_HEX")
}
do {
    let keys = try AuditKeys(secret: secret)
    let store = try SQLiteAuditStore(path: arguments[1], keys: keys)
    let writer = AuditWriter(store: store)
    await withTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
            group.addTask {
                var count = 0
                while true {
                    count += 1
                    let requestId = "w\(worker)-\(count)"
                    do {
                        let stored = try await writer.record(AuditRecord(
                            requestId: requestId, timeMillis: 1_767_225_600_000 + Int64(count),
                            principal: "crash-test", role: "Manager", authMethod: "api_key",
                            operation: "launchManualCalls", method: "POST", path: "/v1/services/1/manual-calls",
                            serviceId: 1, phones: [keys.phone("415205\(1000 + count % 9000)")], entryCount: 1,
                            outcome: .allowed, upstreamStatus: 200, upstreamAttempts: 1,
                            upstreamLatencyMicros: 900, totalLatencyMicros: 1000, responseStatus: 200
                        ))
                        emit("ack \(stored.sequence) \(stored.requestId)")
                    } catch {
                        fail("append failed: \(error)")
                    }
                }
            }
        }
    }
} catch {
    fail("\(error)")
}
