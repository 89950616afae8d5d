import ArgumentParser
import CallGate
import CallGateStorage
import Foundation

/// `callgate store`: work on the store itself, with no server running.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on the store itself: apply its schema migrations, copy one instance's store to a shared one.",
        subcommands: [Migrate.self, Copy.self]
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

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an SQLite store (trail, outbox, idempotency keys) into an empty PostgreSQL store.",
            discussion: """
                Moving from one instance to many: stop the gateway, copy its file, start every instance on
                the copy. The source must verify with the audit key (a broken trail is evidence: copying it
                would hide the break). The destination is migrated, must be empty, and is filled in one
                transaction, so a failed copy leaves it empty. The copy is then checked: its trail verifies,
                and its records, head, checkpoint, deliveries and keys equal the source's.
                Example:
                  CALLGATE_STORE_PASSWORD_FILE=/run/secrets/pg callgate store copy --audit-key-file data/audit.key \\
                    --from sqlite:data/callgate.sqlite --to 'postgres://callgate@db:5432/callgate?sslmode=verify-full'
                Exit status: 0 copied and checked, 1 the source does not verify (or changed during the copy, or the
                copy differs), 2 usage error or the destination is not empty, 3 a store could not be reached or written.
                """
        )

        @Option(help: "The SQLite store to copy (sqlite:PATH).")
        var from: String

        @Option(help: "The empty PostgreSQL store to fill (postgres://USER@HOST:PORT/DB?sslmode=MODE).")
        var to: String

        @Option(help: "The file with the audit secret (used when CALLGATE_AUDIT_SECRET is not set).")
        var auditKeyFile: String = "data/audit.key"

        @OptionGroup var credentials: StoreCredentialOptions

        func run() async throws {
            let keys = try AuditCommand.StoreOptions.keys(auditKeyFile: auditKeyFile)
            let storeOptions = try credentials.storeOptions()
            let clock = ContinuousClock()
            let started = clock.now
            let copied: StoreInventory
            do {
                copied = try await Storage.copy(from: from, to: to, keys: keys, options: storeOptions)
            } catch {
                FileHandleStream.standardError.write("callgate store copy: \(error)\n")
                switch error {
                case .destinationNotEmpty: throw ExitCode(2)
                case .store(let failure) where failure.code == .invalidURL: throw ExitCode(2)
                case .sourceNotIntact, .copyDiffers: throw ExitCode(1)
                case .store(let failure) where failure.code == .conflict: throw ExitCode(1)
                case .store: throw ExitCode(3)
                }
            }
            let seconds = (clock.now - started) / .seconds(1)
            print("""
                Copied \(copied.records) records, \(copied.deliveries) deliveries, \(copied.idempotencyKeys) idempotency keys \
                in \(String(format: "%.2f", seconds)) s; head \(copied.head.sequence) \(copied.head.hash)\
                \(copied.checkpoint.map { ", checkpoint at record \($0.sequence)" } ?? ""); the copy verifies.
                """)
        }
    }
}
