import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `callgate` command line: each subcommand parses its arguments and calls the modules.
@main
struct CallGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "callgate",
        abstract: "CallGate: an authenticated, validating, audited gateway in front of the LiveVox Supervisor Calls API.",
        subcommands: [ServeCommand.self, HealthCommand.self, CheckCommand.self, RulesCommand.self, SimulateCommand.self, KeysCommand.self, WebhooksCommand.self, AuditCommand.self, StoreCommand.self]
    )

    /// Runs the parsed command. Usage errors exit with status 2 (as `callgate check` documents),
    /// not ArgumentParser's default 64, so scripts can tell "bad invocation" from "invalid data" (1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandleStream.standardError.write(fullMessage(for: error) + "\n")
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
