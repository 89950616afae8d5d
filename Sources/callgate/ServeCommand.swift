import ArgumentParser
import CallGate
import Foundation
import Logging

/// `callgate serve`: the gateway. Its settings come from ``GatewaySettings/table``, which ArgumentParser
/// cannot declare as options one by one: the table parses them from the arguments ArgumentParser
/// leaves, and `--help` lists them from the same table.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (with no --upstream-url: on the embedded LiveVox simulator).",
        usage: "callgate serve [--config <config>] [--<setting> <value> ...]",
        discussion: """
            Each setting below can also be set as CALLGATE_<NAME> (e.g. CALLGATE_UPSTREAM_URL) or in the --config YAML file \
            (flags win over the environment, which wins over the file).

            SETTINGS:
            \(GatewaySettings.table.help)
            """
    )

    @Option(help: "A YAML config file (keys as in the README, e.g. upstream: {url: ...}).") var config: String?

    @Flag(help: "Print the README's settings table (Markdown) and exit.") var settingsMarkdown = false

    /// The settings' flags and values, parsed by ``GatewaySettings/table``.
    @Argument(parsing: .allUnrecognized, help: .hidden) var arguments: [String] = []

    func run() async throws {
        if settingsMarkdown {
            print(GatewaySettings.table.markdown, terminator: "")
            return
        }
        let settings: GatewaySettings
        do {
            settings = try await GatewaySettings.read(flags: GatewaySettings.table.flags(parsing: arguments), configFile: config)
        } catch {
            FileHandleStream.standardError.write("callgate serve: \(error)\n")
            throw ExitCode(2)
        }
        LoggingSystem.bootstrap({ label, provider in GatewayLogHandler(label: label, format: settings.logFormat, metadataProvider: provider) },
                                metadataProvider: .request)
        var logger = Logger(label: "callgate")
        logger.logLevel = settings.logLevel
        let openAPI = OpenAPIDocument.bytes
        do {
            try await CallGateService.run(settings: settings, logger: logger, openAPIDocument: openAPI)
        } catch let error as SettingsError {
            FileHandleStream.standardError.write("callgate serve: \(error)\n")
            throw ExitCode(2)
        }
    }
}
