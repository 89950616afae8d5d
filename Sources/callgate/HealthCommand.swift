import ArgumentParser
import CallGate
import CallGateCore
import CurlTransport
import Foundation

/// `callgate health`: asks a running gateway's `/readyz` and exits 0 when it answers 200, 1 with the
/// reason otherwise. Container images without curl run it as their health check, so it reads the
/// same `CALLGATE_...` variables as `serve` to find the port when no `--url` is given.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Ask a running gateway's /readyz: exit 0 when it answers 200, 1 with the reason when not.",
        discussion: """
            Without --url, the gateway that `callgate serve` would start with the same CALLGATE_... variables is asked: \
            http (https with --tls-cert-file) on its port, at 127.0.0.1 when it listens on every address. \
            Exit status: 0 ready; 1 not ready, not answering or not listening (the reason on standard error); \
            2 a bad invocation.
            """
    )

    @Option(help: "The readiness URL to ask, e.g. http://127.0.0.1:8080/readyz.")
    var url: String?

    @Option(help: "Seconds to wait for the whole answer, connecting included.")
    var timeout: Double = 5

    @Option(help: "CA certificates (PEM) to verify an https:// gateway with (default: the system's).")
    var caFile: String?

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else {
            throw ValidationError("--timeout must be more than 0 and at most 3600 seconds; it is \(timeout).")
        }
        if let url { try Self.checkURL(url) }
    }

    func run() async throws {
        let target: String
        if let url { target = url } else { target = try await Self.servedURL() }
        let result = await Self.probe(url: target, timeout: .milliseconds(Int64(timeout * 1000)), caFile: caFile)
        switch result {
        case .ready:
            print("ready: \(target) answered 200")
        case .notReady(let reason):
            FileHandleStream.standardError.write("not ready: \(reason)\n")
            throw ExitCode(1)
        }
    }

    /// What `/readyz` said, in words a person or a health log can act on.
    enum Result: Equatable {
        case ready
        case notReady(String)
    }

    /// Asks `url` once. Connecting has `timeout` too, so a host that drops packets costs no more
    /// than one that answers slowly.
    static func probe(url: String, timeout: Duration, caFile: String?) async -> Result {
        let client: CurlHTTPClient
        do {
            client = try CurlHTTPClient(configuration: .init(
                maxConnectionsPerHost: 1, connectTimeout: timeout, requestTimeout: timeout,
                maxResponseBodySize: 1 << 20, shutdownGracePeriod: .zero, userAgent: "callgate-health",
                tls: .init(caFile: caFile)))
        } catch {
            return .notReady("the HTTP client cannot start: \(error.detail)")
        }
        let answer: Result
        do {
            let response = try await client.execute(HTTPRequestSpec(method: "GET", url: url, timeout: timeout))
            answer = response.status == 200
                ? .ready
                : .notReady("\(url) answered \(response.status)\(detail(of: response.body).map { ": \($0)" } ?? "")")
        } catch {
            answer = .notReady(describe(error, url: url, timeout: timeout))
        }
        await client.shutdown(gracePeriod: .zero)
        return answer
    }

    /// A transport failure as a sentence that says where to look.
    static func describe(_ error: CurlTransportError, url: String, timeout: Duration) -> String {
        switch error.code {
        case .connectionRefused: "nothing is listening at \(url) (connection refused)"
        case .connectTimeout, .timedOut, .queueTimeout: "\(url) did not answer within \(timeout)"
        case .nameResolution: "the host of \(url) does not resolve"
        default: "\(url) could not be asked: \(error.detail)"
        }
    }

    /// The `detail` of a problem document (what `/readyz` answers when not ready), or the body's
    /// first line when it is no problem document.
    static func detail(of body: [UInt8]) -> String? {
        if let document = try? JSONParser.parse(body), case .string(let detail)? = document["detail"] { return detail }
        let line = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).first
        return line.map(String.init)
    }

    /// Refuses what is not an `http://` or `https://` URL with a host.
    static func checkURL(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty else {
            throw ValidationError("--url is '\(url)': give an http:// or https:// URL with a host, e.g. http://127.0.0.1:8080/readyz.")
        }
    }

    /// `/readyz` of the gateway that `serve` would start with this process's `CALLGATE_...` variables.
    static func servedURL() async throws -> String {
        let settings: GatewaySettings
        do {
            settings = try await GatewaySettings.table.read(flags: [:], configFile: nil)
        } catch {
            throw ValidationError("Without --url the gateway's address is read from the CALLGATE_... variables, and \(error)")
        }
        let host: String
        switch settings.host {
        case "", "0.0.0.0": host = "127.0.0.1"
        case "::", "[::]": host = "[::1]"
        case let named where named.contains(":"): host = "[\(named)]"
        case let named: host = named
        }
        return "\(settings.tls == nil ? "http" : "https")://\(host):\(settings.port)/readyz"
    }
}
