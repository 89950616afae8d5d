// WebhookBench: signed webhooks accepted per second by a running `callgate serve`, each one
// verified, validated, and written to the durable outbox with its audit record before its 202.
//
// Usage: WebhookBench BASE_URL WHSEC_SECRET [COUNT] [CONCURRENCY]
//
// COUNT (default 20,000) distinct webhooks (`webhook-id` bench-<run>-<n>), CONCURRENCY (default 64)
// in flight, over keep-alive connections (libcurl, the gateway's own transport); each is signed when
// it is sent. Prints a Markdown table. `bench/webhooks.sh` starts the gateway and runs this.
import CallGate
import CurlTransport

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3, let secret = try? WebhookSecret.parse(arguments[2]) else {
    print("usage: WebhookBench BASE_URL WHSEC_SECRET [COUNT] [CONCURRENCY]")
    exit(2)
}
let baseURL = arguments[1]
let count = arguments.count > 3 ? Int(arguments[3]) ?? 20_000 : 20_000
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 64 : 64
let run = UInt32.random(in: 0 ... .max)

func seconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: concurrency))
let body = Array(#"{"serviceId": 21429, "phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT"}"#.utf8)
let started = seconds()
let results = await withTaskGroup(of: [(status: Int, latency: Double)].self) { group in
    for worker in 0..<concurrency {
        group.addTask {
            var mine: [(status: Int, latency: Double)] = []
            var index = worker
            while index < count {
                let id = "bench-\(run)-\(index)"
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME, &spec)
                let timestamp = String(spec.tv_sec)
                let sent = seconds()
                let status: Int
                do {
                    status = try await client.execute(HTTPRequestSpec(
                        method: "POST", url: baseURL + "/v1/webhooks/callbacks",
                        headers: [
                            HTTPHeaderField(name: "Content-Type", value: "application/json"),
                            HTTPHeaderField(name: "webhook-id", value: id),
                            HTTPHeaderField(name: "webhook-timestamp", value: timestamp),
                            HTTPHeaderField(name: "webhook-signature", value: secret.signature(id: id, timestamp: timestamp, body: body)),
                        ],
                        body: body)).status
                } catch {
                    status = 0
                }
                mine.append((status, seconds() - sent))
                index += concurrency
            }
            return mine
        }
    }
    var all: [(status: Int, latency: Double)] = []
    for await part in group { all += part }
    return all
}
let elapsed = seconds() - started
await client.shutdown(gracePeriod: .seconds(1))

let latencies = results.map(\.latency).sorted()
func percentile(_ p: Double) -> String {
    String(format: "%.2f ms", latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000)
}
let accepted = results.filter { $0.status == 202 }.count
print("| webhooks | in flight | seconds | accepted/s | p50 | p99 | not 202 |")
print("|--:|--:|--:|--:|--:|--:|--:|")
print(String(format: "| %d | %d | %.2f | %.0f | %@ | %@ | %d |", count, concurrency, elapsed, Double(accepted) / elapsed,
             percentile(0.5), percentile(0.99), count - accepted))
