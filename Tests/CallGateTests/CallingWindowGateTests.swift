import CallGateCore
import CallGateHashing
import CallingRulesYAML
import Foundation
import Testing

@testable import CallGate

/// The gate the settings build, and its batch answers, without a gateway around it.
@Suite("The calling-window gate")
struct CallingWindowGateTests {
    static let mondayEvening: Int64 = 1_780_360_200_000  // 2026-06-02T00:30:00Z: 20:30 in Miami, 17:30 in San Francisco
    static let miami = try! PhoneNumber.parse("3054341234", allowed: .defaultAllowed)
    static let sanFrancisco = try! PhoneNumber.parse("4152057483", allowed: .defaultAllowed)
    static let tollFree = try! PhoneNumber.parse("8002752273", allowed: .defaultAllowed)

    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-gate-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("The settings name the default profile, each service's, the confidence and the margin; the built-in rules' digest is recorded")
    func fromSettings() async throws {
        let map = try temporaryFile("21429: collections\n50123: off\n")
        defer { try? FileManager.default.removeItem(atPath: map) }
        let settings = try await GatewaySettings.read(flags: [
            "callingProfile": "baseline", "callingServiceProfilesFile": map, "callingRulesConfidence": "confirmed",
            "callingWindowMarginSeconds": "120",
        ], configFile: nil)
        let gate = try CallingWindowGate.load(settings)
        #expect(gate.policy(forService: 21429) == CallingPolicy(profile: .collections, confidence: .confirmed))
        #expect(gate.policy(forService: 50123).profile == .off)
        #expect(gate.policy(forService: 7).profile == .baseline)
        #expect(gate.marginSeconds == 120)
        #expect(gate.rulesDigest == SHA256Hasher.hash(utf8: CallingRulesDocument.text).hex)
        let defaults = GatewaySettings()
        #expect(defaults.callingProfile == .telemarketing && defaults.callingRulesConfidence == .all)
        #expect(defaults.callingWindowMarginSeconds == 600 && defaults.callingServiceProfiles.isEmpty && defaults.callingRulesFile == nil)
        let badMap = try temporaryFile("21429: strict\n")
        defer { try? FileManager.default.removeItem(atPath: badMap) }
        await #expect(throws: SettingsError("--calling-service-profiles-file / CALLGATE_CALLING_SERVICE_PROFILES_FILE is '\(badMap)': service 21429 is 'strict': use baseline, telemarketing, collections or off.")) {
            try await GatewaySettings.read(flags: ["callingServiceProfilesFile": badMap], configFile: nil)
        }
    }

    @Test("A replacement rules file is what the gate checks against and digests; one with problems is refused with each problem's line")
    func rulesFile() async throws {
        let text = """
            calendars: []
            rules:
              - id: TEST-noon
                jurisdiction: any
                profiles: [baseline]
                callTypes: [live]
                windows: {daily: "12:00-13:00"}
                citation: test
                confidence: confirmed
                effective: null
            """
        let path = try temporaryFile(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var settings = GatewaySettings()
        settings.callingRulesFile = path
        settings.callingProfile = .baseline
        let gate = try CallingWindowGate.load(settings)
        #expect(gate.rulesDigest == SHA256Hasher.hash(utf8: text).hex)
        #expect(gate.windows.ruleSet.rules.map(\.id) == ["TEST-noon"])
        // 17:30 in San Francisco is outside 12:00-13:00.
        let verdict = gate.check(serviceId: 1, entries: [.init(phone: Self.sanFrancisco)], atEpochMillis: Self.mondayEvening)
        #expect(verdict.blockingRuleIds == ["TEST-noon"])

        let broken = try temporaryFile(text.replacingOccurrences(of: "jurisdiction: any", with: "jurisdiction: US-ZZ"))
        defer { try? FileManager.default.removeItem(atPath: broken) }
        settings.callingRulesFile = broken
        #expect(throws: SettingsError("--calling-rules-file \(broken) is not a valid rules file:\n  \(broken):line 4: rule \"TEST-noon\": jurisdiction \"US-ZZ\" is not any, US, CA, US-XX or CA-XX with a known state or province code")) {
            try CallingWindowGate.load(settings)
        }
        settings.callingRulesFile = "/nonexistent/rules.yaml"
        #expect(throws: SettingsError.self) { try CallingWindowGate.load(settings) }
    }

    @Test("A batch's verdict names each entry's decision; its earliest common instant is the first at which every entry is allowed, within the days asked")
    func batch() {
        let gate = CallingWindowGate.builtIn(profile: .telemarketing)
        let entries: [CallingWindowGate.Entry] = [.init(phone: Self.miami), .init(phone: Self.sanFrancisco)]
        let verdict = gate.check(serviceId: 21429, entries: entries, atEpochMillis: Self.mondayEvening)
        #expect(!verdict.allowed)
        #expect(verdict.profile == .telemarketing)
        #expect(verdict.refusedIndices == [0])
        #expect(verdict.blockingRuleIds == ["US-FL-solicitation"])
        // Miami opens at 12:00Z, but San Francisco is closed then until 15:00Z.
        #expect(verdict.latestNextAllowedAtEpochMillis == 1_780_401_600_000)
        #expect(gate.earliestCommonAllowed(serviceId: 21429, entries: entries, from: Self.mondayEvening, withinDays: 7) == 1_780_412_400_000)
        #expect(gate.earliestCommonAllowed(serviceId: 21429, entries: [.init(phone: Self.sanFrancisco)], from: Self.mondayEvening, withinDays: 7)
                == Self.mondayEvening)
        // Within no days there is none; nor for a party that cannot be placed.
        #expect(gate.earliestCommonAllowed(serviceId: 21429, entries: entries, from: Self.mondayEvening, withinDays: 0) == nil)
        #expect(gate.earliestCommonAllowed(serviceId: 21429, entries: [.init(phone: Self.tollFree)], from: Self.mondayEvening, withinDays: 7) == nil)
        let placed = gate.check(serviceId: 21429, entries: [.init(phone: Self.tollFree, state: "CA")], atEpochMillis: Self.mondayEvening)
        #expect(placed.allowed)
    }
}
