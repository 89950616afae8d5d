import ArgumentParser
import CallGate

/// `callgate keys`: create, list and revoke API keys in a keys file.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage API keys (only their SHA-256 digests are stored).",
        discussion: """
            Example:
              callgate keys create --name crm-prod --role Manager --services 21429,50123 --file data/keys.yaml
            The new key is printed alone on stdout, so it can be captured: KEY=$(callgate keys create ...).
            A running `callgate serve` reloads the file on SIGHUP.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct FileOption: ParsableArguments {
        @Option(name: .long, help: "The keys file (YAML).")
        var file: String = "data/keys.yaml"
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it, alone, on stdout.")

        @OptionGroup var identity: IdentityOptions

        @OptionGroup var limit: RateLimitOptions

        @OptionGroup var file: FileOption

        func run() throws {
            var keys = try KeysFile.loadOrEmpty(path: file.file)
            let role = try identity.parsedRole()
            let key = try keys.create(name: identity.name, role: role, services: try identity.parsedServices(),
                                      agentLoginId: identity.agentLoginId, rateLimit: try limit.parsed())
            try keys.save(path: file.file)
            FileHandleStream.standardError.write("Created key '\(identity.name)' (\(role.rawValue)) in \(file.file). It is shown only now:\n")
            print(key)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: names, roles, scopes, dates; never secrets.")

        @OptionGroup var file: FileOption

        func run() throws {
            let keys = try KeysFile.load(path: file.file)
            print("name\trole\tservices\tagentLoginId\tcreatedAt\tstatus")
            for entry in keys.keys {
                let services = entry.services.map { $0.map(String.init).joined(separator: ",") } ?? "all"
                let status = entry.revokedAt.map { "revoked \($0)" } ?? "active"
                print("\(entry.name)\t\(entry.role)\t\(services)\t\(entry.agentLoginId ?? "-")\t\(entry.createdAt ?? "-")\t\(status)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name; it stops authenticating at the next reload.")

        @Argument(help: "The name of the key.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            var keys = try KeysFile.load(path: file.file)
            try keys.revoke(name: name)
            try keys.save(path: file.file)
            FileHandleStream.standardError.write("Revoked key '\(name)' in \(file.file).\n")
        }
    }
}

