import CallGateCore
import Configuration
import Foundation
import Testing

@testable import CallGate

@Suite("A per-service map read from a YAML file")
struct ServiceMapSettingTests {
    /// Settings with one per-service map, as the calling-window settings will have.
    struct Example: Sendable {
        var zones: [Int64: IANATimeZone] = [:]
    }

    let table = SettingsTable<Example>(defaults: Example(), settings: [
        .value("zonesFile", \.zones, .serviceMap(of: .timeZone), help: "Each service's time zone."),
    ])

    func read(_ file: String?) throws -> Example {
        try table.read(ConfigReader(provider: InMemoryProvider(values: file.map { [["zonesFile"]: ConfigValue(.string($0), isSecret: false)] } ?? [:])))
    }

    @discardableResult
    func withFile<Result>(_ yaml: String, _ body: (String) throws -> Result) throws -> Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-map-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test("Service ids map to values parsed by the entry's kind; unset, the map is empty")
    func reads() throws {
        let zones = try withFile("21429: America/Chicago\n\"50123\": America/New_York\n") { try read($0).zones }
        #expect(zones == [21429: IANATimeZone.named("America/Chicago")!, 50123: IANATimeZone.named("America/New_York")!])
        #expect(try read(nil).zones.isEmpty)
        #expect(table.markdown.contains("| `--zones-file` | `CALLGATE_ZONES_FILE` | `zonesFile` | (unset) | a YAML file of service id: an IANA time zone such as America/New_York | Each service's time zone. |"))
    }

    @Test("A bad service id or value is refused with a sentence naming the file and the service")
    func refuses() throws {
        try withFile("21429: Mars/Base\n") { path in
            #expect(throws: SettingsError("--zones-file / CALLGATE_ZONES_FILE is '\(path)': service 21429 is 'Mars/Base': not an IANA time zone such as America/New_York.")) {
                try read(path)
            }
        }
        try withFile("crm: UTC\n") { path in
            #expect(throws: SettingsError("--zones-file / CALLGATE_ZONES_FILE is '\(path)': 'crm' is not a service id (a positive integer).")) {
                try read(path)
            }
        }
        #expect(throws: SettingsError.self) { try read("/nonexistent/zones.yaml") }
    }
}
