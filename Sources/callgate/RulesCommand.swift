import ArgumentParser
import CallingRulesYAML
import CallGateCore

#if canImport(Glibc)
import Glibc
#endif

extension CallingProfile: ExpressibleByArgument {}
extension ConfidenceFilter: ExpressibleByArgument {}

/// `--rules-file`: the calling-window rules a command uses, the built-in ones unless a file replaces them.
struct RulesFileOption: ParsableArguments {
    @Option(name: .customLong("rules-file"), help: "A calling-window rules file replacing the built-in rules/calling-windows.yaml.")
    var path: String?

    /// The rules, or exit 2 with every problem of the file.
    func ruleSet() throws -> CallingRuleSet {
        guard let path else { return CallingRulesFile.builtIn }
        let text = try readRulesFile(path)
        switch Result(catching: { () throws(CallingRulesError) in try CallingRulesFile.parse(text) }) {
        case .success(let rules):
            return rules
        case .failure(let error):
            throw ValidationError("\(path) is not a valid rules file:\n" + error.issues.map { "  \(path):\($0)" }.joined(separator: "\n"))
        }
    }
}

/// The text of a rules file, or a usage error naming why it cannot be read.
func readRulesFile(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else {
        throw ValidationError("Cannot read \(path): \(String(cString: strerror(errno))).")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
        if count < chunk.count { break }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw ValidationError("\(path) is not UTF-8 text.")
    }
    return text
}

/// `callgate rules`: the calling-window rules file.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check and show the calling-window rules (rules/calling-windows.yaml).",
        subcommands: [Check.self, Show.self, Holidays.self]
    )

    /// `callgate rules check FILE`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a rules file: exit 0 and a summary when it is valid, 1 and every problem with its line when not."
        )

        @Argument(help: "The rules file to check.")
        var file: String

        func run() throws {
            let text = try readRulesFile(file)
            switch Result(catching: { () throws(CallingRulesError) in try CallingRulesFile.parse(text) }) {
            case .success(let rules):
                let secondary = rules.rules.filter { $0.confidence == .secondary }.count
                print("\(file): valid: \(rules.rules.count) rules (\(rules.rules.count - secondary) confirmed, \(secondary) secondary), \(rules.calendars.count) holiday calendars")
            case .failure(let error):
                for issue in error.issues { FileHandleStream.standardError.write("\(file):\(issue)\n") }
                throw ExitCode(1)
            }
        }
    }

    /// `callgate rules show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rules in force, one a line: id, jurisdiction, profiles, call types, confidence, effective date, citation."
        )

        @OptionGroup var rules: RulesFileOption

        func run() throws {
            for rule in try rules.ruleSet().rules {
                let profiles = CallingProfile.allCases.filter(rule.profiles.contains).map(\.rawValue).joined(separator: ",")
                let types = CallType.allCases.filter(rule.callTypes.contains).map(\.rawValue).joined(separator: ",")
                print("\(rule.id)\t\(rule.jurisdiction)\t\(profiles)\t\(types)\t\(rule.confidence.rawValue)\t\(rule.effective?.description ?? "-")\t\(rule.citation)")
            }
        }
    }

    /// `callgate rules holidays CALENDAR`.
    struct Holidays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the days a holiday calendar excludes (observed days included), one YYYY-MM-DD a line."
        )

        @Argument(help: "The calendar's name, e.g. US-federal.")
        var calendar: String

        @Option(help: "The first year.")
        var from: Int

        @Option(help: "The last year.")
        var to: Int

        @OptionGroup var rules: RulesFileOption

        func validate() throws {
            guard (1970...2100).contains(from), (from...2100).contains(to) else {
                throw ValidationError("--from and --to must be years from 1970 to 2100, --from first.")
            }
        }

        func run() throws {
            let set = try rules.ruleSet()
            guard set.calendars[calendar] != nil else {
                throw ValidationError("Unknown calendar '\(calendar)'; known: \(set.calendars.keys.sorted().joined(separator: ", ")).")
            }
            for day in set.holidayDays(calendar: calendar, years: from...to) {
                print(CivilDate(daysSinceEpoch: day))
            }
        }
    }
}
