import ArgumentParser
import CallGateStorage
import Foundation

/// The store options of the commands that open a store themselves (`callgate audit`, `callgate
/// store`): its URL, and for PostgreSQL the password and CA file, from the flags or the same
/// environment variables `callgate serve` reads.
struct StoreConnectionOptions: ParsableArguments {
    @Option(help: "The store URL (sqlite:PATH or postgres://USER@HOST:PORT/DB?sslmode=MODE).")
    var store: String = "sqlite:data/callgate.sqlite"

    @OptionGroup var credentials: StoreCredentialOptions

    /// The settings beyond the URL; throws a `ValidationError` when the password file cannot be read.
    func storeOptions() throws -> StoreOptions {
        try credentials.storeOptions()
    }
}

/// The PostgreSQL password and CA file of a command that opens a store itself, from the flags or
/// the environment variables `callgate serve` reads.
struct StoreCredentialOptions: ParsableArguments {
    @Option(help: "File holding the PostgreSQL password (default: CALLGATE_STORE_PASSWORD_FILE, else CALLGATE_STORE_PASSWORD).")
    var storePasswordFile: String?

    @Option(help: "CA certificates (PEM) of the PostgreSQL server, for sslmode verify-ca and verify-full (default: CALLGATE_STORE_CA_FILE).")
    var storeCaFile: String?

    /// The settings beyond the URL; throws a `ValidationError` when the password file cannot be read.
    func storeOptions() throws -> StoreOptions {
        let environment = ProcessInfo.processInfo.environment
        var password = environment["CALLGATE_STORE_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let path = storePasswordFile ?? environment["CALLGATE_STORE_PASSWORD_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("The store password file \(path) cannot be read.")
            }
            var trimmed = Substring(content)
            while trimmed.last?.isNewline == true { trimmed.removeLast() }
            password = String(trimmed)
        }
        let caFile = storeCaFile ?? environment["CALLGATE_STORE_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return StoreOptions(password: password, caFile: caFile, poolSize: 2)
    }
}
