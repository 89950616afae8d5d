import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `callgate serve`'s calling-window settings and its `/v1/calling-window`, against `callgate check
/// window`: the real binary on a loopback port, asked about given instants, so the answers do not
/// depend on the hour the suite runs at.
@Suite("callgate serve: calling windows", .serialized)
struct CallingWindowServeTests {
    static func body(_ url: String, key: String) async throws -> (status: Int, text: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    @Test("/v1/calling-window answers byte for byte what check window writes, under each service's profile")
    func askEqualsCheck() async throws {
        let map = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: map) }
        try "60000: baseline\n".write(to: map, atomically: true, encoding: .utf8)
        let (served, key) = try await ServedBinary.start(["--calling-profile", "telemarketing",
                                                          "--calling-service-profiles-file", map.path])
        defer { served.stop() }
        // (service, phone, at, state, duration, the profile the service has)
        let cases: [(Int, String, String, String?, Int?, String)] = [
            (21429, "3054341234", "2026-06-02T00:30:00Z", nil, nil, "telemarketing"),
            (60000, "3054341234", "2026-06-02T00:30:00Z", nil, nil, "baseline"),
            (21429, "8505550123", "2026-06-01T12:30:00Z", nil, 600, "telemarketing"),
            (21429, "8002752273", "2026-06-01T20:00:00Z", "TX", nil, "telemarketing"),
            (21429, "(415) 205-7483", "2026-12-25T18:00:00Z", nil, 3600, "telemarketing"),
            (21429, "2025550143", "2026-06-07T15:00:00+01:00", "MA", nil, "telemarketing"),
        ]
        for (service, phone, at, state, duration, profile) in cases {
            var query = "serviceId=\(service)&phone=\(phone.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&at=\(at.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            var arguments = ["check", "window", "--format", "jsonl", "--profile", profile, "--at", at]
            if let state {
                query += "&state=\(state)"
                arguments += ["--state", state]
            }
            if let duration {
                query += "&durationSeconds=\(duration)"
                arguments += ["--duration", String(duration)]
            }
            let asked = try await Self.body(served.base + "/v1/calling-window?" + query, key: key)
            let checked = try await CLI.run(arguments + [phone], stdin: "")
            #expect(checked.status == 0, "\(checked.stderr)")
            #expect(asked.status == 200)
            #expect(asked.text == checked.stdout, "\(phone) at \(at)")
        }
    }

    @Test("A rules file with problems stops serve at start, each problem with its line")
    func brokenRulesFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            calendars: []
            rules:
              - id: A
                jurisdiction: US-ZZ
                profiles: [telemarketing]
                callTypes: [live]
                windows: {daily: "08:00-21:00"}
                citation: c
                confidence: confirmed
                effective: null
            """.write(to: file, atomically: true, encoding: .utf8)
        let refused = try await CLI.run(["serve", "--port", "0", "--calling-rules-file", file.path], stdin: "")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--calling-rules-file \(file.path) is not a valid rules file:\n  \(file.path):line 4: rule \"A\": jurisdiction \"US-ZZ\" is not any, US, CA, US-XX or CA-XX with a known state or province code"),
                "\(refused.stderr)")
        let unknownProfile = try await CLI.run(["serve", "--calling-profile", "strict"], stdin: "")
        #expect(unknownProfile.status != 0)
        #expect(unknownProfile.stderr.contains("--calling-profile / CALLGATE_CALLING_PROFILE is 'strict': use baseline, telemarketing, collections or off."),
                "\(unknownProfile.stderr)")
    }
}
