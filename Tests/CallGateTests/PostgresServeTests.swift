import CallGateCore
import CallGateStorage
import CurlTransport
import Foundation
import StorageTestSupport
import Testing

@testable import CallGate

/// `callgate serve --store postgres://...` end to end, on a PostgreSQL server of this suite's own
/// (it is stopped and restarted under the running gateway, which the shared one must not be).
@Suite("callgate serve on PostgreSQL", .serialized)
struct PostgresServeTests {
    @Test("requests are audited in PostgreSQL before their answers; a lost database fails /readyz and answers 503, and the gateway recovers by itself",
          .timeLimit(.minutes(3)))
    func lostDatabase() async throws {
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-pg-serve-\(UUID().uuidString.prefix(8))").path
        let url = try PostgresTestCluster.script("start", cluster)
        defer { _ = try? PostgresTestCluster.script("stop", cluster) }
        let served = try await ServedGateway.start(roles: ["ops": .manager], store: url)
        let key = served.keys["ops"]!
        let http = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 2))
        func get(_ path: String) async throws -> Int {
            try await http.execute(HTTPRequestSpec(
                method: "GET", url: served.base + path,
                headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)")], body: [])).status
        }
        /// Polls `path` until it answers `status`, for at most `seconds`; returns the last answer.
        func waitFor(_ path: String, _ status: Int, seconds: Int) async throws -> Int {
            var last = 0
            for _ in 0..<(seconds * 4) {
                last = try await get(path)
                if last == status { return last }
                try await Task.sleep(for: .milliseconds(250))
            }
            return last
        }

        #expect(try await get("/readyz") == 200)
        #expect(try await get("/v1/services/21429/queue") == 200)
        let keys = try AuditKeys.loadOrCreate(path: served.directory + "/audit.key")
        let trail = try await Storage.open(url, keys: keys)
        let before = try await trail.audit.query(AuditQuery(operation: "getQueueStats"))
        #expect(before.records.count == 1, "the answered request's record is committed in PostgreSQL")

        try PostgresTestCluster.script("stop-server", cluster)
        #expect(try await waitFor("/readyz", 503, seconds: 10) == 503)
        #expect(try await get("/v1/services/21429/queue") == 503, "a request that cannot be audited is refused, not run")

        try PostgresTestCluster.script("start-server", cluster)
        #expect(try await waitFor("/readyz", 200, seconds: 30) == 200)
        #expect(try await get("/v1/services/21429/queue") == 200)
        let after = try await trail.audit.query(AuditQuery(operation: "getQueueStats"))
        #expect(after.records.count == 2, "the refused request was never answered, so it has no record")
        #expect(try await trail.audit.verify().isIntact)
        await trail.audit.close()

        await http.shutdown(gracePeriod: .seconds(1))
        await served.stop()
    }
}
