import Foundation
import Testing

/// Bodies built to cost the gateway memory, time or a huge answer, sent to the real `callgate serve`:
/// each fits the body limit and is refused quickly, with a small answer, at little memory.
@Suite("Hostile request bodies against callgate serve (the binary)", .serialized)
struct HostileBodyTests {
    /// A body under the default limit of 1 MiB, and what it is.
    struct HostileBody: CustomStringConvertible {
        let description: String
        let text: String
    }

    static let phone = #"{"phone":"4152057483"}"#

    static let bodies: [HostileBody] = [
        HostileBody(description: "1 MiB of empty objects",
                    text: "[" + Array(repeating: "{}", count: 349_000).joined(separator: ",") + "]"),
        HostileBody(description: "a batch of 40,000 entries",
                    text: #"{"calls":["# + Array(repeating: phone, count: 40_000).joined(separator: ",") + "]}"),
        HostileBody(description: "300,000 empty arrays",
                    text: #"{"calls":["# + Array(repeating: "[]", count: 300_000).joined(separator: ",") + "]}"),
        HostileBody(description: "100,000 unknown keys",
                    text: #"{"calls":["# + phone + "]," + unknownKeys(100_000) + "}"),
    ]

    /// `count` distinct members `"abc":0` with three-letter names.
    static func unknownKeys(_ count: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return (0..<count).map { index in
            let name = String([letters[index / 3844], letters[index / 62 % 62], letters[index % 62]])
            return "\"\(name)\":0"
        }.joined(separator: ",")
    }

    /// The process's peak resident memory (VmHWM), in bytes.
    static func peakMemory(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kilobytes * 1024
    }

    static func post(_ body: String, key: String, port: Int) throws -> HTTPConnectionTests.Response? {
        let connection = try HTTPConnectionTests.Connection(port: port)
        connection.send("POST /v1/services/21429/manual-calls HTTP/1.1\r\nHost: callgate\r\nAuthorization: Bearer \(key)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        return connection.next()
    }

    /// The CPU time the process has used so far (user and system), in clock ticks of 1/100 s.
    static func cpuTicks(of pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name, in parentheses, may hold spaces: fields are counted after its end.
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        return try #require(Int(fields[11])) + #require(Int(fields[12]))
    }

    @Test("Each hostile body under the body limit is refused with a 4xx for under 2 s of the server's CPU, in under 64 KiB, and peak memory grows by under 64 MiB")
    func hostileBodies() async throws {
        try await HTTPConnectionTests().withServe { running in
            let pid = running.serve.process.processIdentifier
            // A small refused body first, so that the baseline holds what any request costs.
            let warmUp = try #require(try Self.post(#"{"calls":[]}"#, key: running.key, port: running.port))
            #expect(warmUp.status == 422)
            let baseline = try Self.peakMemory(of: pid)
            for body in Self.bodies {
                try #require(body.text.utf8.count <= 1 << 20, "\(body) must fit the body limit")
                // CPU time, not the wall clock: what a body costs the server does not depend on the
                // machine's other load, its time to answer does.
                let cpuBefore = try Self.cpuTicks(of: pid)
                let answer = try #require(try Self.post(body.text, key: running.key, port: running.port), "\(body): no answer")
                let cpuTicks = try Self.cpuTicks(of: pid) - cpuBefore
                #expect((400..<500).contains(answer.status) && answer.status != 413, "\(body): \(answer.status)")
                #expect(cpuTicks < 200, "\(body): \(cpuTicks) ticks of CPU")
                #expect(answer.body.utf8.count < 64 << 10, "\(body): an answer of \(answer.body.utf8.count) bytes")
            }
            let growth = try Self.peakMemory(of: pid) - baseline
            #expect(growth < 64 << 20, "peak memory grew by \(growth >> 20) MiB")
        }
    }
}
