// AuditBench: sustained appends into SQLite, or PostgreSQL, through the group-commit writer.
//
// Usage: AuditBench [--records N] [--tasks N] [--synchronous normal|full] [--directory PATH] [--store postgres://...]
//
// N concurrent tasks (default 64) each append their share of the records (default 500,000) one at a
// time, awaiting each acknowledgement as a request handler does. Phone entries come from a
// precomputed pool, so the figures are the writer's and the store's, not the fingerprinting's.
// Prints a Markdown table; the database goes to a fresh temporary directory, removed afterwards,
// unless --directory names one to keep. With --store postgres://..., the records go to that
// database instead (its trail must be empty or the benchmark's own: verify walks all of it).
import CallGateCore
import CallGateStorage
import PostgresStorage
import SQLiteStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var records = 500_000
    var tasks = 64
    var synchronous = SQLiteAuditStore.Configuration().synchronous
    var directory: String?
    var postgres: PostgresAddress?

    init(_ arguments: [String]) {
        var remaining = arguments.dropFirst()
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { Self.usage("\(flag) needs a value") }
            switch flag {
            case "--records": records = Self.positive(value, flag)
            case "--tasks": tasks = Self.positive(value, flag)
            case "--synchronous":
                guard let mode = StoreSync(rawValue: value) else {
                    Self.usage("--synchronous takes normal or full")
                }
                synchronous = mode
            case "--directory": directory = value
            case "--store":
                guard case .postgres(let address)? = try? AuditStoreURL.parse(value) else {
                    Self.usage("--store takes a postgres:// URL")
                }
                postgres = address
            default: Self.usage("unknown option \(flag)")
            }
        }
    }

    static func positive(_ value: String, _ flag: String) -> Int {
        guard let number = Int(value), number > 0 else { usage("\(flag) takes a positive integer") }
        return number
    }

    static func usage(_ problem: String) -> Never {
        print("AuditBench: \(problem)\nusage: AuditBench [--records N] [--tasks N] [--synchronous normal|full] [--directory PATH] [--store postgres://...]")
        exit(2)
    }
}

/// A `/proc/self/status` field in KiB (Linux), e.g. `VmHWM`.
func procStatusKiB(_ field: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix(field + ":") {
            return text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
    }
    return nil
}

/// CPU seconds (user and system) of this process's thread named `name` (Linux), from
/// `/proc/self/task/*/stat`; nil when there is none.
func threadCPUSeconds(named name: String) -> Double? {
    guard let tasks = opendir("/proc/self/task") else { return nil }
    defer { closedir(tasks) }
    func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    while let entry = readdir(tasks) {
        let tid = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard tid.first?.isNumber == true,
              read("/proc/self/task/\(tid)/comm")?.split(separator: "\n").first.map(String.init) == name,
              let stat = read("/proc/self/task/\(tid)/stat"),
              let close = stat.lastIndex(of: ")") else { continue }
        // After the command's ")": state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
    return nil
}

/// CPU seconds (user and system) of the whole process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    let text = "\(rounded)"
    guard let dot = text.firstIndex(of: ".") else { return text }
    let fraction = text[text.index(after: dot)...]
    return decimals == 0 ? String(text[..<dot]) : text + String(repeating: "0", count: max(0, decimals - fraction.count))
}

func microseconds(_ nanoseconds: Int64) -> String {
    format(Double(nanoseconds) / 1000, 0) + " µs"
}

let options = Options(CommandLine.arguments)
var template = Array("/tmp/auditbench-XXXXXX".utf8CString)
let directory: String
if let chosen = options.directory {
    directory = chosen
} else {
    guard let created = mkdtemp(&template) else { Options.usage("cannot create a temporary directory") }
    directory = String(cString: created)
}
let path = directory + "/audit.sqlite"

var generator = SystemRandomNumberGenerator()
let keys = try AuditKeys(secret: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
let phonePool = (0..<1000).map { keys.phone("415\(String(2_000_000 + $0 * 7919 % 8_000_000))") }
let store: any AuditStore
if let postgres = options.postgres {
    store = try await PostgresAuditStore.open(
        postgres, keys: keys, configuration: PostgresAuditStore.Configuration(options: StoreOptions(sync: options.synchronous))
    )
} else {
    store = try SQLiteAuditStore(
        path: path, keys: keys, configuration: SQLiteAuditStore.Configuration(synchronous: options.synchronous)
    )
}
let writer = AuditWriter(store: store)

/// A realistic mix: mostly launches with one or two phones, some queue reads, some denials.
func makeRecord(task: Int, index: Int, random: inout SplitMix64) -> AuditRecord {
    let n = task &* 1_000_003 &+ index
    let isLaunch = n % 3 != 0
    let denied = n % 17 == 0
    let requestId = String(random.next(), radix: 16) + String(random.next(), radix: 16)
    return AuditRecord(
        requestId: requestId,
        timeMillis: 1_767_225_600_000 + Int64(n % 86_400_000),
        principal: "crm-\(task % 8)",
        role: "Manager",
        authMethod: "api_key",
        clientAddress: "10.1.\(task).\(index % 250)",
        operation: isLaunch ? "launchManualCalls" : "getQueueStats",
        method: isLaunch ? "POST" : "GET",
        path: isLaunch ? "/v1/services/21429/manual-calls" : "/v1/services/21429/queue",
        serviceId: 21429 + Int64(n % 4),
        phones: isLaunch ? Array(phonePool[(n % 997)...].prefix(1 + n % 2)) : [],
        entryCount: isLaunch ? 1 + n % 2 : nil,
        outcome: denied ? .denied : .allowed,
        reason: denied ? "validation_failed" : nil,
        validationCodes: denied ? ["invalid_phone"] : [],
        upstreamStatus: denied ? nil : 200,
        upstreamAttempts: denied ? 0 : 1,
        upstreamLatencyMicros: denied ? nil : 20_000 + Int64(n % 5000),
        totalLatencyMicros: 21_000 + Int64(n % 5000),
        responseStatus: denied ? 422 : 200
    )
}

let clock = ContinuousClock()
let started = clock.now
let latencies = try await withThrowingTaskGroup(of: [Int64].self) { group in
    for task in 0..<options.tasks {
        let count = options.records / options.tasks + (task < options.records % options.tasks ? 1 : 0)
        group.addTask {
            var random = SplitMix64(seed: UInt64(task) &* 0x1234_5678_9ABC_DEF1)
            var latencies: [Int64] = []
            latencies.reserveCapacity(count)
            for index in 0..<count {
                let record = makeRecord(task: task, index: index, random: &random)
                let before = clock.now
                _ = try await writer.record(record)
                let waited = (clock.now - before).components
                latencies.append(waited.seconds * 1_000_000_000 + waited.attoseconds / 1_000_000_000)
            }
            return latencies
        }
    }
    var all: [Int64] = []
    all.reserveCapacity(options.records)
    for try await part in group { all += part }
    return all
}
let elapsed = seconds(clock.now - started)
await writer.shutdown()
let writerCPU = threadCPUSeconds(named: "audit-writer")
let processCPU = processCPUSeconds()

let verifyStarted = clock.now
let verification = try await store.verify()
let verifySeconds = seconds(clock.now - verifyStarted)
await store.close()

let sorted = latencies.sorted()
func percentile(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
let peakMiB = Double(procStatusKiB("VmHWM") ?? 0) / 1024

print("""
    | store | records | tasks | synchronous | seconds | records/s | commits | mean batch | p50 await | p99 await | peak RSS |
    |:------|--------:|------:|:------------|--------:|----------:|--------:|-----------:|----------:|----------:|---------:|
    | \(options.postgres == nil ? "SQLite" : "PostgreSQL") | \(latencies.count) | \(options.tasks) | \(options.synchronous.rawValue) | \(format(elapsed, 2)) | \
    \(format(Double(latencies.count) / elapsed, 0)) | \(writer.commits) | \
    \(format(Double(writer.recordsWritten) / Double(max(1, writer.commits)), 1)) | \
    \(microseconds(percentile(0.50))) | \(microseconds(percentile(0.99))) | \(format(peakMiB, 0)) MiB |

    writer busy \(format(100 * seconds(writer.commitTime) / elapsed, 0)) % of the time; CPU per record: \
    writer thread \(options.postgres != nil ? "n/a (no thread of its own)" : writerCPU.map { format($0 * 1e6 / Double(latencies.count), 1) + " µs" } ?? "unknown"), \
    whole process \(format(processCPU * 1e6 / Double(latencies.count), 1)) µs; verify: \(verification.isIntact ? "intact" : "BROKEN: \(verification.firstBad?.problem ?? "")"), \
    \(verification.checked) records in \(format(verifySeconds, 2)) s
    """)

if options.directory == nil, options.postgres == nil {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    rmdir(directory)
}
