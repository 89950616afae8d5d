import ArgumentParser
import CallGate
import CallGateAuditFilters
import CallGateCore
import CallGateHashing
import CallGateStorage
import Foundation

/// `callgate audit`: verify and query the audit trail directly in its store (no server needed).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or query the audit trail in its store.",
        discussion: """
            Examples:
              callgate audit verify --store sqlite:data/callgate.sqlite --witness data/audit.witness
              callgate audit query --store sqlite:data/callgate.sqlite --phone 4155550123 --since 2026-11-01T00:00:00Z
              callgate audit witness-key
            The secret comes from CALLGATE_AUDIT_SECRET or --audit-key-file, as for `callgate serve`.
            Exit status: 0 done (verify: the chain is intact), 1 verify found tampering, 2 usage error,
            3 the store or a key or witness file could not be read.
            """,
        subcommands: [Verify.self, Query.self, WitnessKeyCommand.self]
    )

    struct StoreOptions: ParsableArguments {
        @OptionGroup var connection: StoreConnectionOptions

        /// The store URL.
        var store: String { connection.store }

        @Option(help: "The file with the audit secret (used when CALLGATE_AUDIT_SECRET is not set).")
        var auditKeyFile: String = "data/audit.key"

        /// Opens the store, or exits with status 3 and a sentence.
        func open() async -> any AuditStore {
            do {
                let keys = try keys()
                return try await Storage.open(store, keys: keys, options: connection.storeOptions()).audit
            } catch {
                FileHandleStream.standardError.write("callgate audit: \(error)\n")
                Foundation.exit(3)
            }
        }

        func keys() throws -> AuditKeys {
            try Self.keys(auditKeyFile: auditKeyFile)
        }

        /// The audit keys from CALLGATE_AUDIT_SECRET, else from `auditKeyFile`, which must exist.
        static func keys(auditKeyFile: String) throws -> AuditKeys {
            if let secret = ProcessInfo.processInfo.environment["CALLGATE_AUDIT_SECRET"], !secret.isEmpty {
                return try AuditKeys(secret: Array(secret.utf8))
            }
            guard FileManager.default.fileExists(atPath: auditKeyFile) else {
                throw ValidationError("The audit key file \(auditKeyFile) does not exist; give --audit-key-file or CALLGATE_AUDIT_SECRET.")
            }
            return try AuditKeys.loadOrCreate(path: auditKeyFile)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; name the first edited, deleted, inserted or reordered record.",
            discussion: """
                With --witness, the trail must also reach the last head the audit witness signed, and
                hold the hash it saw at each witnessed sequence: records deleted from the end show
                only this way. The witness's signatures are checked with --witness-public-key (hex,
                as `callgate audit witness-key` prints it), else with the witness key file.
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "The audit witness's file of signed heads (FILE.1, the rotated one, is read too when present).")
        var witness: String?

        @Option(help: "The witness's public key, 64 hex digits (default: derived from --audit-witness-key-file).")
        var witnessPublicKey: String?

        @Option(help: "The witness key file, when no --witness-public-key is given (default: audit-witness.key beside the store's file).")
        var auditWitnessKeyFile: String?

        func validate() throws {
            if let witnessPublicKey, Hex.decode(witnessPublicKey)?.count != Ed25519.keyByteCount {
                throw ValidationError("--witness-public-key must be 64 hex digits (callgate audit witness-key prints it).")
            }
            if witness == nil, witnessPublicKey != nil || auditWitnessKeyFile != nil {
                throw ValidationError("--witness-public-key and --audit-witness-key-file check a witness file: give it with --witness.")
            }
        }

        func run() async throws {
            var heads: [WitnessHead] = []
            if let witness {
                do {
                    heads = try WitnessFile(path: witness).heads(publicKey: publicKey())
                } catch let error as AuditStoreError where error.code == .corrupt {
                    FileHandleStream.standardError.write("callgate audit verify: NOT intact: \(error.detail)\n")
                    throw ExitCode(1)
                } catch {
                    FileHandleStream.standardError.write("callgate audit verify: \(error)\n")
                    throw ExitCode(3)
                }
            }
            let store = await options.open()
            defer { Task { await store.close() } }
            let verification: AuditVerification
            do {
                verification = try await store.verify(witnessed: heads)
            } catch {
                FileHandleStream.standardError.write("callgate audit verify: \(error)\n")
                throw ExitCode(3)
            }
            var json: [UInt8] = []
            AuditRecordFormat.appendJSON(verification, to: &json)
            print(String(decoding: json, as: UTF8.self))
            if let bad = verification.firstBad {
                FileHandleStream.standardError.write("callgate audit verify: NOT intact: \(bad.problem)\n")
                throw ExitCode(1)
            }
            let tail: String
            if witness == nil {
                tail = "; without --witness, records deleted from the end of the trail cannot be detected"
            } else if let last = heads.max(by: { ($0.sequence, $0.timeMillis) < ($1.sequence, $1.timeMillis) }) {
                tail = "; the trail reaches the witness's last head, record \(last.sequence) seen at \(last.utcTime)"
            } else {
                tail = "; the witness file holds no head yet, so records deleted from the end cannot be detected"
            }
            FileHandleStream.standardError.write("callgate audit verify: intact, \(verification.checked) records checked\(tail).\n")
        }

        private func publicKey() throws -> [UInt8] {
            if let witnessPublicKey, let key = Hex.decode(witnessPublicKey) { return key }
            let path = try auditWitnessKeyFile ?? WitnessFile.path(named: WitnessKey.defaultName, besideStore: options.store)
            return try WitnessKey.load(path: path).publicKey
        }
    }

    struct WitnessKeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "witness-key",
            abstract: "Print the audit witness's public key (64 hex digits), for `audit verify --witness-public-key`.")

        @Option(help: "The audit store URL (sqlite:PATH), beside whose file the key file is by default.")
        var store: String = "sqlite:data/callgate.sqlite"

        @Option(help: "The witness key file (default: audit-witness.key beside the store's file).")
        var auditWitnessKeyFile: String?

        func run() async throws {
            do {
                let path = try auditWitnessKeyFile ?? WitnessFile.path(named: WitnessKey.defaultName, besideStore: store)
                print(Hex.encode(try WitnessKey.load(path: path).publicKey))
            } catch {
                FileHandleStream.standardError.write("callgate audit witness-key: \(error)\n")
                throw ExitCode(3)
            }
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the records that match, newest first, as NDJSON (default) or CSV.")

        @OptionGroup var options: StoreOptions
        @Option(help: "Records at or after this time (ISO 8601 with offset, or epoch ms).") var since: String?
        @Option(help: "Records before this time.") var until: String?
        @Option(help: "The key, source or token name.") var principal: String?
        @Option(help: "Sysadmin, Superuser, Manager or Agent.") var role: String?
        @Option(help: "e.g. launch_manual_calls.") var operation: String?
        @Option(help: "A service id.") var serviceId: String?
        @Option(help: "A phone number (matched through its fingerprint).") var phone: String?
        @Option(help: "allowed, denied, error, intent, or incomplete (an intent without its outcome).") var outcome: String?
        @Option(help: "The HTTP status answered.") var status: String?
        @Option(help: "A request id.") var requestId: String?
        @Option(help: "At most this many records (default: all).") var limit: String?
        @Option(help: "Regions for --phone.") var allowedRegions: String = "US,CA,PR,VI,GU,MP,AS"
        @Option(help: "ndjson or csv.") var format: String = "ndjson"

        /// `serviceId` → `service-id`.
        static func flag(_ name: String) -> String {
            name.reduce(into: "") { out, character in
                if character.isUppercase { out += "-" + character.lowercased() } else { out.append(character) }
            }
        }

        func validate() throws {
            guard ["ndjson", "csv"].contains(format) else { throw ValidationError("--format is '\(format)': use ndjson or csv.") }
        }

        func run() async throws {
            let keys: AuditKeys
            do { keys = try options.keys() } catch {
                FileHandleStream.standardError.write("callgate audit query: \(error)\n")
                throw ExitCode(3)
            }
            guard case .success(let regions) = PhoneRegionSet.parse(list: allowedRegions) else {
                throw ValidationError("--allowed-regions names an unknown region.")
            }
            let given: [(String, String?)] = [
                ("since", since), ("until", until), ("principal", principal), ("role", role), ("operation", operation),
                ("serviceId", serviceId), ("phone", phone), ("outcome", outcome), ("status", status), ("requestId", requestId),
            ]
            var query: AuditQuery
            let parameters = given.compactMap { name, value in value.map { (name, $0) } }
            switch AuditFilters.query(parameters, keys: keys, allowedRegions: regions) {
            case .success(let parsed): query = parsed
            case .failure(let refusal): throw ValidationError(refusal.sentence(naming: { "--" + Self.flag($0) }))
            }
            var remaining = Int.max
            if let limit {
                guard let value = Int(limit), value > 0 else { throw ValidationError("--limit is '\(limit)': use a positive whole number.") }
                remaining = value
            }
            let store = await options.open()
            defer { Task { await store.close() } }
            let out = FileHandle.standardOutput
            if format == "csv" { out.write(Data(AuditRecordFormat.csvHeader)) }
            query.limit = AuditQuery.maximumLimit
            struct Done: Error {}
            do {
                try await store.export(query, batchSize: AuditQuery.maximumLimit) { records in
                    var bytes: [UInt8] = []
                    for record in records.prefix(remaining) {
                        if format == "csv" {
                            AuditRecordFormat.appendCSV(record, to: &bytes)
                        } else {
                            AuditRecordFormat.appendJSON(record, to: &bytes)
                            bytes.append(0x0A)
                        }
                    }
                    out.write(Data(bytes))
                    remaining -= min(remaining, records.count)
                    if remaining == 0 { throw Done() }
                }
            } catch is Done {
            } catch {
                FileHandleStream.standardError.write("callgate audit query: \(error)\n")
                throw ExitCode(3)
            }
        }
    }
}
