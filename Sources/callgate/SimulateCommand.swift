import ArgumentParser
import Foundation
import LiveVoxSimulator
import Logging

/// `callgate simulate`: runs the LiveVox simulator until SIGINT or SIGTERM.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a fake LiveVox Supervisor Calls API for tests and demos.",
        discussion: """
            Every flag has a default, so `callgate simulate` alone serves the reference's services \
            with the credentials sim-access-token / SIM / sim-user / sim-password. Control endpoints \
            under /_sim/ inject faults and read back what was received; see docs/simulator.md.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8090

    @Option(help: "The token a login must send in LV-Access.")
    var accessToken = SimulatorConfiguration.defaultAccessToken

    @Option(help: "The client code a login must send.")
    var clientName = SimulatorConfiguration.defaultClientName

    @Option(help: "The user a login must send.")
    var userName = SimulatorConfiguration.defaultUserName

    @Option(help: "The password a login must send.")
    var password = SimulatorConfiguration.defaultPassword

    @Option(help: "Comma-separated service ids on an automated queuer.")
    var services = SimulatorConfiguration.defaultAutomatedServiceIds.map(String.init).joined(separator: ",")

    @Option(help: "Comma-separated service ids on a non-automated queuer (launching there is refused).")
    var manualServices = SimulatorConfiguration.defaultManualServiceIds.map(String.init).joined(separator: ",")

    @Option(help: "Comma-separated numbers on the do-not-call list (launches fail with 1000).")
    var dnc = ""

    @Option(help: "Seconds a session may stay unused before it expires.")
    var sessionIdleSeconds: Double = 2 * 60 * 60

    @Option(help: "Agents free to take calls on each service (0: calls wait, then fail with 799).")
    var availableAgents = 5

    @Option(help: "Seconds between accepting a call and dialing it.")
    var dialDelaySeconds: Double = 1

    @Option(help: "Seconds a dialed call stays in progress.")
    var callDurationSeconds: Double = 5

    @Option(help: "Calls that may wait to be dialed on each service; a launch past it fails with 901 (default: no limit).")
    var maxQueuedCalls: Int?

    @Option(help: "Seed for error rates and session ids, to repeat a run.")
    var seed: UInt64?

    func validate() throws {
        _ = try Self.serviceIds(services, flag: "--services")
        _ = try Self.serviceIds(manualServices, flag: "--manual-services")
        guard sessionIdleSeconds > 0 else { throw ValidationError("--session-idle-seconds must be positive.") }
        guard availableAgents >= 0 else { throw ValidationError("--available-agents must not be negative.") }
        if let maxQueuedCalls, maxQueuedCalls < 0 { throw ValidationError("--max-queued-calls must not be negative.") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        let service = { (id: Int64, automated: Bool) in
            ServiceConfiguration(id: id, automated: automated, availableAgents: availableAgents,
                                 dialDelaySeconds: dialDelaySeconds, callDurationSeconds: callDurationSeconds,
                                 maxQueuedCalls: maxQueuedCalls)
        }
        let configuration = SimulatorConfiguration(
            accessToken: accessToken, clientName: clientName, userName: userName, password: password,
            sessionIdleSeconds: sessionIdleSeconds,
            services: try Self.serviceIds(services, flag: "--services").map { service($0, true) }
                + Self.serviceIds(manualServices, flag: "--manual-services").map { service($0, false) },
            doNotCall: Self.list(dnc),
            randomSeed: seed
        )
        let logger = Logger(label: "callgate.simulate")
        let simulator = try LiveVoxSimulator(configuration: configuration, logger: logger)
        let app = simulator.application(host: host, port: port) { [host] bound in
            let url = host.contains(":") ? "http://[\(host)]:\(bound)" : "http://\(host):\(bound)"
            FileHandle.standardOutput.write(Data("LiveVox simulator listening on \(url)\n".utf8))
        }
        try await app.runService()
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func serviceIds(_ text: String, flag: String) throws -> [Int64] {
        try list(text).map { item in
            guard let id = Int64(item), id >= 0 else {
                throw ValidationError("\(flag) takes comma-separated service ids; '\(item)' is not one.")
            }
            return id
        }
    }
}
