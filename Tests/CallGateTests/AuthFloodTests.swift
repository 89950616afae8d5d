import CallGateCore
import CurlTransport
import Foundation
import Synchronization
import Testing

@testable import CallGate

@Suite("An unauthenticated flood over real HTTP", .serialized)
struct AuthFloodTests {
    @Test("20,000 unauthenticated requests with 8 KiB paths from one address write at most 1,000 records and grow the store by under 20 MB; an authenticated client there is answered 200 throughout",
          .timeLimit(.minutes(3)))
    func floodIsBounded() async throws {
        let served = try await ServedGateway.start(roles: ["ops": .manager, "admin": .sysadmin])
        defer { served.service.cancel() }
        let directory = served.directory, base = served.base
        let key = served.keys["ops"]!, admin = served.keys["admin"]!
        let http = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 8))
        let authorized = [HTTPHeaderField(name: "Authorization", value: "Bearer \(key)")]
        let queue = HTTPRequestSpec(method: "GET", url: base + "/v1/services/21429/queue", headers: authorized, body: [])
        #expect(try await http.execute(queue).status == 200)
        let sizeBefore = Self.storeBytes(directory)

        let flooding = FloodState()
        let clients = 4, perClient = 5_000
        let legitimate = Task {
            var answers: [Int] = []
            while flooding.running.load(ordering: .relaxed), answers.count < 300 {
                answers.append((try? await http.execute(queue).status) ?? -1)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return answers
        }
        let counts = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var statuses: [Int: Int] = [:]
                    for index in 0..<perClient {
                        let path = "/v1/\(client)-\(index)/" + String(repeating: "a", count: 8192)
                        let headers = index % 2 == 0 ? [HTTPHeaderField(name: "Authorization", value: "Bearer cgk_guessed")] : []
                        let status = try await http.execute(HTTPRequestSpec(method: "GET", url: base + path, headers: headers, body: [])).status
                        statuses[status, default: 0] += 1
                    }
                    return statuses
                }
            }
            return try await group.reduce(into: [:]) { total, statuses in total.merge(statuses, uniquingKeysWith: +) }
        }
        flooding.running.store(false, ordering: .relaxed)
        let answers = await legitimate.value

        let verify = try await http.execute(HTTPRequestSpec(
            method: "GET", url: base + "/v1/audit/verify",
            headers: [HTTPHeaderField(name: "Authorization", value: "Bearer \(admin)")], body: []))
        let checked = try JSONParser.parse(verify.body)["checked"]
        #expect(counts.values.reduce(0, +) == clients * perClient)
        #expect(Set(counts.keys) == [404, 429])
        #expect(!answers.isEmpty && answers.allSatisfy { $0 == 200 }, "\(answers.filter { $0 != 200 })")
        guard case .integer(let records)? = checked else {
            Issue.record("no record count: \(String(decoding: verify.body, as: UTF8.self))")
            return
        }
        #expect(records <= 1_000, "\(records) records for \(counts)")
        let growth = Self.storeBytes(directory) - sizeBefore
        #expect(growth < 20_000_000, "the store grew by \(growth) bytes")

        await http.shutdown(gracePeriod: .seconds(1))
        await served.stop()
    }

    /// The audit database's size, its write-ahead log included.
    static func storeBytes(_ directory: String) -> Int {
        ["callgate.sqlite", "callgate.sqlite-wal"].reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? 0)
        }
    }
}

/// Whether the flood is still running, for the authenticated client beside it.
private final class FloodState: Sendable {
    let running = Atomic(true)
}
