import CallGateCore
import CallingRulesYAML
import Foundation

extension CallingWindowGate {
    /// The gate the settings describe: the built-in rules or `--calling-rules-file`, the default
    /// profile, the per-service map, the confidence and the margin. A rules file that cannot be used
    /// stops the start with every problem and its line, as `callgate rules check` prints them.
    public static func load(_ settings: GatewaySettings) throws(SettingsError) -> CallingWindowGate {
        let text: String
        let ruleSet: CallingRuleSet
        if let path = settings.callingRulesFile {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw SettingsError("--calling-rules-file is '\(path)', which cannot be read: \(error.localizedDescription)")
            }
            do throws(CallingRulesError) {
                ruleSet = try CallingRulesFile.parse(text)
            } catch {
                throw SettingsError("--calling-rules-file \(path) is not a valid rules file:\n"
                                    + error.issues.map { "  \(path):\($0)" }.joined(separator: "\n"))
            }
        } else {
            text = CallingRulesDocument.text
            ruleSet = CallingRulesFile.builtIn
        }
        return CallingWindowGate(windows: CallingWindows(ruleSet: ruleSet), rulesText: text,
                                 defaultProfile: settings.callingProfile, serviceProfiles: settings.callingServiceProfiles,
                                 confidence: settings.callingRulesConfidence,
                                 marginSeconds: Int64(settings.callingWindowMarginSeconds))
    }

    /// The built-in rules under one profile for every service (tests, and a gateway assembled in code).
    public static func builtIn(profile: CallingProfile, serviceProfiles: [Int64: CallingProfile] = [:],
                               marginSeconds: Int64 = 600) -> CallingWindowGate {
        CallingWindowGate(windows: builtInWindows, rulesText: CallingRulesDocument.text, defaultProfile: profile,
                          serviceProfiles: serviceProfiles, marginSeconds: marginSeconds)
    }

    /// The built-in rules compiled once per process: compiling computes each rule's holidays for
    /// 1969-2101, which every harness of the test suite would otherwise repeat.
    private static let builtInWindows = CallingWindows(ruleSet: CallingRulesFile.builtIn)
}
