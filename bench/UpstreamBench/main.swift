// `make bench`: where the upstream leg's time goes, layer by layer, in one process and without the
// HTTP server: the curl transport alone, the LiveVox client on it, and the gateway pipeline on that.
// Each layer runs N requests with C in flight against the URL given (an nginx stub serving the
// login and queue-stats JSON, as in bench/proxy.sh) and prints requests/s and CPU per request.
//
// Usage: UpstreamBench BASE_URL [requests] [concurrency] [layers: curl,client,gateway]
import CallGate
import CallGateCore
import CurlTransport
import Foundation
import LiveVoxClient
import Logging

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: UpstreamBench BASE_URL [requests] [concurrency] [layers: curl,client,gateway]\n".utf8))
    exit(2)
}
let baseURL = arguments[1]
let total = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let concurrency = arguments.count > 3 ? Int(arguments[3]) ?? 64 : 64
let layers = Set((arguments.count > 4 ? arguments[4] : "curl,client,gateway").split(separator: ",").map(String.init))

func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Runs `operation` `total` times, `concurrency` at a time; prints one table row.
func measure(_ name: String, _ operation: @escaping @Sendable () async -> Bool) async {
    let cpuStart = processCPUSeconds()
    let clock = ContinuousClock()
    let start = clock.now
    let failures = await withTaskGroup(of: Int.self) { group in
        let perTask = total / concurrency
        for _ in 0..<concurrency {
            group.addTask {
                var failed = 0
                for _ in 0..<perTask where await !operation() { failed += 1 }
                return failed
            }
        }
        return await group.reduce(0, +)
    }
    let elapsed = start.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let cpu = processCPUSeconds() - cpuStart
    let done = (total / concurrency) * concurrency
    print(String(format: "| %@ | %.0f | %.1f µs | %d |", name, Double(done) / seconds, cpu / Double(done) * 1e6, failures))
}

let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
let curl = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 64))
let client = LiveVoxClient(
    configuration: .init(baseURL: baseURL, accessToken: "bench",
                         credentials: LoginRequest(clientName: "BENCH", userName: "bench", password: "bench")),
    transport: curl, logger: logger)
let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-bench-keys-\(getpid()).yaml").path
defer { try? FileManager.default.removeItem(atPath: keyFile) }
let key = APIKey.generate()
try KeysFile(keys: [.init(name: "bench", role: "Manager", sha256: APIKey.digest(of: key))]).save(path: keyFile)
// Queue stats only: the calling windows are not what this measures.
let gateway = Gateway(configuration: .init(callingWindows: .builtIn(profile: .off)), keys: try APIKeyStore(path: keyFile), client: client,
                      readiness: { .init(isReady: true, detail: "ready") }, nowMillis: { 0 }, logger: logger)
let queueURL = baseURL + "/callControl/supervisor/calls/queue/21429"
let request = GatewayRequest(
    method: "GET", path: "/callControl/supervisor/calls/queue/21429", query: nil,
    header: { $0 == "authorization" ? "Bearer \(key)" : nil }, readBody: { _ in [] })

print("| layer (\(total) requests, \(concurrency) in flight) | req/s | CPU per request | failures |")
print("|---|---|---|---|")
for _ in 0..<2 {
    if layers.contains("curl") { await measure("CurlHTTPClient.execute") {
        (try? await curl.execute(HTTPRequestSpec(method: "GET", url: queueURL, headers: [.init(name: "LV-Access", value: "bench")])))?.status == 200
    } }
    if layers.contains("client") { await measure("LiveVoxClient.queueStats") {
        (try? await client.queueStats(serviceId: 21429))?.status == 200
    } }
    if layers.contains("gateway") { await measure("Gateway.respond (compatible queue stats)") {
        await gateway.respond(to: request).status == 200
    } }
}
await curl.shutdown(gracePeriod: .seconds(1))
