import ArgumentParser
import CallGate
import CallGateStorage
import Foundation

/// `callgate store`: work on the store itself, with no server running.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on the store itself: apply its schema migrations.",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the store's schema up to this build's, ahead of a rollout.",
            discussion: """
                Every `callgate serve` applies the missing migrations when it starts, under an advisory
                lock (instances starting together apply each once); this applies them ahead of a rolling
                upgrade. Each migration keeps the previous release working, so builds N and N+1 can run
                side by side on the migrated schema.
                Example:
                  CALLGATE_STORE_PASSWORD_FILE=/run/secrets/pg callgate store migrate --store 'postgres://callgate@db:5432/callgate?sslmode=verify-full'
                Exit status: 0 migrated (or already current), 2 usage error, 3 the store could not be reached or migrated.
                """
        )

        @OptionGroup var options: AuditCommand.StoreOptions

        func run() async throws {
            let location: AuditStoreURL.Location
            do {
                location = try AuditStoreURL.parse(options.store)
            } catch {
                throw ValidationError("--store: \(error.detail)")
            }
            // PostgreSQL's migrations touch no record, so a migration job needs no audit secret.
            let keys: AuditKeys? = if case .sqlite = location { try options.keys() } else { nil }
            let storeOptions = try options.connection.storeOptions()
            do {
                print(try await Storage.migrate(options.store, keys: keys, options: storeOptions))
            } catch {
                FileHandleStream.standardError.write("callgate store migrate: \(error)\n")
                throw ExitCode(3)
            }
        }
    }
}
