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

    typealias FileOption = IdentityFileOption<KeysFile>

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it, alone, on stdout.")

        @OptionGroup var new: NewIdentityOptions<KeysFile>

        func run() throws {
            let (role, key) = try new.add { keys, name, role, services, agentLoginId, rateLimit throws(KeysFileError) in
                try keys.create(name: name, role: role, services: services, agentLoginId: agentLoginId, rateLimit: rateLimit)
            }
            FileHandleStream.standardError.write("Created key '\(new.identity.name)' (\(role.rawValue)) in \(new.file.file). It is shown only now:\n")
            print(key)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: names, roles, scopes, dates; never secrets.")

        @OptionGroup var file: FileOption

        func run() throws {
            print("name\trole\tservices\tagentLoginId\tcreatedAt\tstatus")
            for entry in try file.load().keys {
                print(FileOption.columns(entry, createdAt: entry.createdAt) + "\t" + (entry.revokedAt.map { "revoked \($0)" } ?? "active"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by name; it stops authenticating at the next reload.")

        @Argument(help: "The name of the key.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            try file.update { keys throws(KeysFileError) in try keys.revoke(name: name) }
            FileHandleStream.standardError.write("Revoked key '\(name)' in \(file.file).\n")
        }
    }
}
