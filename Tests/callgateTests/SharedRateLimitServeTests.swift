import CurlTransport
import Foundation
import StorageTestSupport
import Synchronization
import Testing

/// Three `callgate serve` processes on one PostgreSQL database share one principal's rate limit:
/// what the fleet admits is counted from the answers and from the shared trail.
@Suite("One rate limit across three instances (the binaries)", .serialized)
struct SharedRateLimitServeTests {
    /// 20 requests a second, bursts of 10: a rate low enough that the clients ask for several times
    /// as much also while the suite's other tests load the two cores, and a burst that spans a
    /// pause of half a second in an instance starved of the CPU (the store's own tests hammer 50 a
    /// second, bursts of 10, without HTTP in the way).
    static let rate = 20.0
    static let burst = 10

    /// The answers of one phase: how many were 2xx, and how many came at all.
    final class Tally: Sendable {
        let admitted = Atomic(0)
        let refused = Atomic(0)
        let other = Mutex<[String]>([])
    }

    /// Sends GETs of the queue for `duration` from 18 clients spread over the ports, each request
    /// with an id `phase-...` and sent when the client's previous one is answered: at most 18 in
    /// flight, enough to ask for more than the limit also when the suite's other tests load the two
    /// cores. Each client is a thread of its own with a blocking keep-alive connection
    /// (`offPool`): tasks on the suite's two cooperative threads, which other tests hold for
    /// seconds at a time, would ask the instances far less than the limit.
    static func hammer(_ ports: [Int], key: String, phase: String, for duration: Duration) async -> Tally {
        let tally = Tally()
        let end = ContinuousClock.now + duration
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<18 {
                let port = ports[client % ports.count]
                group.addTask {
                    _ = try? await offPool {
                        var connection: HTTPConnectionTests.Connection?
                        var sequence = 0
                        while ContinuousClock.now < end {
                            sequence += 1
                            let requestId = "\(phase)-\(client)-\(sequence)"
                            let open = try connection ?? HTTPConnectionTests.Connection(port: port)
                            open.send("GET /v1/services/21429/queue HTTP/1.1\r\nHost: callgate\r\nAuthorization: Bearer \(key)\r\n"
                                      + "X-Request-ID: \(requestId)\r\n\r\n")
                            let answer = open.next()
                            connection = answer == nil || answer?.headers["connection"] == "close" ? nil : open
                            switch answer?.status {
                            case .some(200...299): tally.admitted.add(1, ordering: .relaxed)
                            case .some(429): tally.refused.add(1, ordering: .relaxed)
                            default: tally.other.withLock { $0.append("\(requestId): \(answer.map { String($0.status) } ?? "no answer")") }
                            }
                        }
                    }
                }
            }
        }
        return tally
    }

    /// The phase's admitted requests in the shared trail: how many, and how many the limit admits
    /// over the interval from the first one's time to the last one's: rate × interval + burst,
    /// less the time of any pause longer than the burst's window in which no instance answered at
    /// all (an instance starved of the CPU by the suite's other tests is asked nothing then, and a
    /// limit admits at most one burst after a pause, whatever its length).
    static func trail(phase: String, database: String) throws -> (count: Int, expected: Double) {
        let rows = try PostgresTestCluster.psql("""
            SELECT time_ms, response_status BETWEEN 200 AND 299 FROM audit_records
            WHERE request_id LIKE '\(phase)-%' ORDER BY time_ms
            """, database: database).split(separator: "\n").map { $0.split(separator: "|") }
        let answered = rows.compactMap { row in Int64(row.first ?? "").map { (millis: $0, admitted: row.last == "t") } }
        let admitted = answered.filter(\.admitted)
        guard let first = admitted.first?.millis, let last = admitted.last?.millis else { return (0, 0) }
        let windowMillis = Double(burst) / rate * 1000
        let times = answered.map(\.millis).filter { $0 >= first && $0 <= last }
        let paused = zip(times, times.dropFirst()).reduce(0.0) { sum, pair in sum + max(0, Double(pair.1 - pair.0) - windowMillis) }
        return (admitted.count, rate * (Double(last - first) - paused) / 1000 + Double(burst))
    }

    @Test("three instances hammered for 6 s admit 20/s × the measured interval + the burst, within 10 %, as the trail records; one alone busy gets the full rate")
    func threeInstances() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-shared-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "ratelimit_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try PostgresTestCluster.createDatabase(database)
        let store = try PostgresTestCluster.url(database: database)
        let keys = directory.appendingPathComponent("keys.yaml").path
        let created = try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file", keys], stdin: "")
        try #require(created.status == 0)
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let http = try WebhookCrashTests()

        let ports = try (0..<3).map { _ in try ServeCommandTests.freePort() }
        let instances = try ports.enumerated().map { index, port in
            try WebhookCrashTests.Running([
                "serve", "--calling-profile", "off", "--port", String(port), "--keys-file", keys, "--log-level", "warning",
                "--store", store, "--rate-limit-per-second", String(Int(Self.rate)), "--rate-limit-burst", String(Self.burst),
                "--audit-witness-file", directory.appendingPathComponent("witness-\(index)").path,
                "--audit-witness-key-file", directory.appendingPathComponent("witness-\(index).key").path],
                environment: ["CALLGATE_AUDIT_SECRET": "one audit secret the three instances share"],
                log: directory.appendingPathComponent("serve-\(index).log"))
        }
        defer { for instance in instances { instance.kill9() } }
        let bases = ports.map { "http://127.0.0.1:\($0)" }
        for base in bases { try await http.waitUntilUp(base + "/readyz") }

        // 6 s, so that the interval measured stays over 3 s when the suite's other tests starve the
        // instances for a while (pauses are taken out of it).
        let fleet = await Self.hammer(ports, key: key, phase: "fleet", for: .seconds(6))
        #expect(fleet.other.withLock { $0 }.isEmpty, "answers neither 2xx nor 429: \(fleet.other.withLock { $0.prefix(5) })")
        let fleetTrail = try Self.trail(phase: "fleet", database: database)
        #expect(fleetTrail.count == fleet.admitted.load(ordering: .relaxed), "the trail records every 2xx answered")
        #expect(fleet.refused.load(ordering: .relaxed) > fleetTrail.count, "the clients asked for more than the limit")
        #expect(fleetTrail.expected > 60, "the measured interval is over 2.5 s")
        #expect(Double(fleetTrail.count) <= fleetTrail.expected * 1.1 && Double(fleetTrail.count) >= fleetTrail.expected * 0.9,
                "the fleet admitted \(fleetTrail.count); the limit admits \(fleetTrail.expected) ± 10 %")

        // Every exchange with the database went through on every instance.
        for base in bases {
            let scrape = try await http.client.execute(HTTPRequestSpec(method: "GET", url: base + "/metrics"))
            #expect(String(decoding: scrape.body, as: UTF8.self).contains("\ncallgate_rate_limit_sync_failures_total 0\n"))
        }

        // The burst refills and the other instances' demand ages out (`PostgresRateLimitStore`'s
        // demand window, 2 s); then one instance alone is busy.
        try await Task.sleep(for: .seconds(3))
        let alone = await Self.hammer([ports[0]], key: key, phase: "alone", for: .seconds(4))
        let aloneTrail = try Self.trail(phase: "alone", database: database)
        #expect(aloneTrail.count == alone.admitted.load(ordering: .relaxed))
        #expect(alone.refused.load(ordering: .relaxed) > aloneTrail.count, "the clients asked for more than the limit")
        #expect(aloneTrail.expected > 40, "the measured interval is over 1.5 s")
        #expect(Double(aloneTrail.count) <= aloneTrail.expected * 1.1 && Double(aloneTrail.count) >= aloneTrail.expected * 0.9,
                "one instance alone admitted \(aloneTrail.count); the limit admits \(aloneTrail.expected) ± 10 %")
    }
}
