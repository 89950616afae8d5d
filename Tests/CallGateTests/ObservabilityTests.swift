import CallGateCore
import CallGateStorage
import Foundation
import Logging
import Prometheus
import SQLiteStorage
import Testing

@testable import CallGate

@Suite("Metrics and logs")
struct ObservabilityTests {
    @Test("GET /metrics counts requests by operation and status, and upstream attempts and failures")
    func metrics() async throws {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = GatewayMetrics.durationBuckets
        let metrics = GatewayMetrics(factory: factory)
        let gateway = try await GatewayHarness(metrics: metrics, exposition: { registry.emitToBuffer() })
        defer { Task { await gateway.shutdown() } }

        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager").status == 200)
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager").status == 200)
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429").status == 401)
        metrics.updateGauges(breakerOpen: false, upstreamLoad: (inFlight: 2, waiting: 5), auditWriter: nil)
        let scrape = await gateway.send("GET", "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = String(decoding: scrape.body, as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"callgate_requests_total{operation="get_queue_stats",status="200"} 2"#), "\(text)")
        #expect(lines.contains(#"callgate_requests_total{operation="get_queue_stats",status="401"} 1"#))
        #expect(lines.contains(#"callgate_upstream_attempts_total{operation="get_queue_stats"} 2"#))
        #expect(lines.contains("callgate_audit_queue_depth 0.0"), "\(text)")
        // Without an audit trail the writer's counters stay at zero.
        #expect(lines.isSuperset(of: ["callgate_audit_commits_total 0", "callgate_audit_records_committed_total 0",
                                      "callgate_audit_writer_busy_seconds_total 0"]), "\(text)")
        #expect(lines.filter { $0.hasPrefix("callgate_upstream_") && !$0.contains("{") }.sorted() == [
            "callgate_upstream_breaker_open 0.0", "callgate_upstream_in_flight 2.0", "callgate_upstream_waiting 5.0",
        ], "\(text)")
        #expect(lines.contains(#"callgate_request_duration_seconds_count{operation="get_queue_stats"} 3"#))
        // Buckets from 250 µs, in seconds, then the catch-all holding all three requests.
        let buckets = text.split(separator: "\n").filter { $0.hasPrefix(#"callgate_request_duration_seconds_bucket{operation="get_queue_stats""#) }
            .compactMap { line -> String? in line.split(separator: "le=\"").last?.split(separator: "\"").first.map(String.init) }
        #expect(buckets == ["0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                            "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"], "\(text)")
        #expect(lines.contains(#"callgate_request_duration_seconds_bucket{operation="get_queue_stats",le="+Inf"} 3"#))
    }

    @Test("GET /metrics gives the audit writer's commits, the records they carried and its busy time, each counted once")
    func auditWriterMetrics() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = GatewayMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-metrics-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = try AuditKeys(secret: Array("an audit secret for the tests, 32+ bytes".utf8))
        let trail = AuditTrail(storage: try SQLiteAuditStore(path: directory + "/audit.sqlite", keys: keys).storage, keys: keys, metrics: metrics)
        let gateway = try await GatewayHarness(audit: trail, metrics: metrics, exposition: {
            metrics.updateGauges(breakerOpen: false, upstreamLoad: (inFlight: 0, waiting: 0), auditWriter: trail.writer)
            return registry.emitToBuffer()
        })
        func scrape() async -> [String: Double] {
            let answer = await gateway.send("GET", "/metrics")
            var values: [String: Double] = [:]
            for line in String(decoding: answer.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix("callgate_audit_") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
            }
            return values
        }

        // One request after the other: each is answered after its own commit, so one record a commit.
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager").status == 200)
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429").status == 401)
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager").status == 200)
        let first = await scrape()
        #expect(first["callgate_audit_commits_total"] == 3, "\(first)")
        #expect(first["callgate_audit_records_committed_total"] == 3, "\(first)")
        let busy = try #require(first["callgate_audit_writer_busy_seconds_total"])
        #expect(busy > 0 && busy < 10, "\(first)")
        #expect(first["callgate_audit_queue_depth"] == 0)

        // A second scrape adds only what was committed since: the /metrics scrapes are not audited.
        #expect(await gateway.send("GET", "/callControl/supervisor/calls/queue/21429", key: "manager").status == 200)
        let second = await scrape()
        #expect(second["callgate_audit_commits_total"] == 4, "\(second)")
        #expect(second["callgate_audit_records_committed_total"] == 4, "\(second)")
        #expect(try #require(second["callgate_audit_writer_busy_seconds_total"]) > busy)
        #expect(trail.writer.commits == 4)

        await gateway.shutdown()
        await trail.shutdown()
    }

    @Test("Without an exposition, /metrics is not a route")
    func noMetrics() async throws {
        let gateway = try await GatewayHarness()
        defer { Task { await gateway.shutdown() } }
        #expect(await gateway.send("GET", "/metrics").status == 404)
        #expect(await gateway.send("POST", "/metrics").status == 405)
    }

    @Test("A JSON log line carries the time, level, label, message, source and metadata, escaped")
    func jsonLine() throws {
        let seconds = CivilCalendar.days(year: 2026, month: 11, day: 29) * 86_400 + 20 * 3600 + 5 * 60 + 50
        let line = GatewayLogHandler.jsonLine(
            time: (seconds, 7), level: .warning, label: "callgate", message: "LiveVox \"failed\"\n",
            source: "CallGate", metadata: ["request.id": "abc", "upstream.attempts": "3"])
        let text = String(decoding: line, as: UTF8.self)
        #expect(text == #"{"time":"2026-11-29T20:05:50.007Z","level":"warning","label":"callgate","message":"LiveVox \"failed\"\n","source":"CallGate","request.id":"abc","upstream.attempts":"3"}"# + "\n")
        let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: String]
        #expect(object?["message"] == "LiveVox \"failed\"\n")
    }

    @Test("A text log line carries the time, level, label, message and sorted metadata, quoting what needs it")
    func textLine() {
        let seconds = CivilCalendar.days(year: 2026, month: 11, day: 29) * 86_400 + 20 * 3600 + 5 * 60 + 50
        let line = GatewayLogHandler.textLine(
            time: (seconds, 123), level: .warning, label: "callgate", message: "LiveVox failed",
            metadata: ["upstream.attempts": "3", "request.id": "abc", "detail": "timed out \"hard\"", "empty": ""])
        #expect(String(decoding: line, as: UTF8.self)
                == #"2026-11-29T20:05:50.123Z warning callgate: LiveVox failed detail="timed out \"hard\"" empty="" request.id=abc upstream.attempts=3"# + "\n")
    }
}

@Suite("Request ids upstream")
struct UpstreamRequestIDTests {
    @Test("The request id answered in X-Request-ID is the one LiveVox received")
    func forwarded() async throws {
        let gateway = try await GatewayHarness()
        defer { Task { await gateway.shutdown() } }
        let given = await gateway.send("GET", "/v1/services/21429/queue", key: "manager", headers: ["X-Request-ID": "crm-42.a"])
        #expect(given.status == 200)
        #expect(given.headers["x-request-id"] == "crm-42.a")
        let made = await gateway.send("GET", "/v1/services/21429/queue", key: "manager")
        let upstream = gateway.simulator.simulator.requests.filter { $0.path.hasSuffix("/queue/21429") }
        #expect(upstream.map { $0.headers.first { $0.name.lowercased() == "x-request-id" }?.value }
                == ["crm-42.a", made.headers["x-request-id"]])
    }
}
