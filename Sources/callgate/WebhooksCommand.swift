import ArgumentParser
import CallGate

/// `callgate webhooks`: add, rotate, retire and list the sources of signed webhooks.
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Manage webhook sources (Standard Webhooks signing secrets).",
        discussion: """
            Example:
              callgate webhooks add-source --name crm-prod --role Manager --services 21429 --file data/webhook-sources.yaml
            The new secret is printed alone on stdout, so it can be captured: SECRET=$(callgate webhooks add-source ...).
            Unlike the keys file, the sources file holds the secrets themselves (mode 0600).
            To change a secret: rotate (both are accepted), give the sender the new one, then retire.
            A running `callgate serve` reloads the file on SIGHUP.
            """,
        subcommands: [AddSource.self, Rotate.self, Retire.self, List.self]
    )

    struct FileOption: ParsableArguments {
        @Option(name: .long, help: "The webhook sources file (YAML).")
        var file: String = "data/webhook-sources.yaml"

        /// Loads the file, applies `change` and saves the result.
        func update<Value>(_ change: (inout WebhookSourcesFile) throws(WebhookSourcesFileError) -> Value) throws -> Value {
            var sources = try WebhookSourcesFile.load(path: file)
            let result = try change(&sources)
            try sources.save(path: file)
            return result
        }
    }

    struct AddSource: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-source", abstract: "Add a source and print its secret, alone, on stdout.")

        @OptionGroup var identity: IdentityOptions

        @OptionGroup var limit: RateLimitOptions

        @OptionGroup var file: FileOption

        func run() throws {
            var sources = try WebhookSourcesFile.loadOrEmpty(path: file.file)
            let role = try identity.parsedRole()
            let secret = try sources.addSource(name: identity.name, role: role, services: try identity.parsedServices(),
                                               agentLoginId: identity.agentLoginId, rateLimit: try limit.parsed())
            try sources.save(path: file.file)
            FileHandleStream.standardError.write("Added webhook source '\(identity.name)' (\(role.rawValue)) to \(file.file). Its secret:\n")
            print(secret)
            FileHandleStream.standardError.write(WebhooksCommand.signingHelp)
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new secret to a source and print it; the old ones stay valid until retire.")

        @Argument(help: "The name of the source.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            let secret = try file.update { sources throws(WebhookSourcesFileError) in try sources.rotate(name: name) }
            FileHandleStream.standardError.write("""
                Added a secret to webhook source '\(name)' in \(file.file); the old ones are still accepted.
                Give the sender the new secret, then end the rotation with `callgate webhooks retire \(name) --file \(file.file)`:

                """)
            print(secret)
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a rotation: keep only a source's newest secret.")

        @Argument(help: "The name of the source.")
        var name: String

        @OptionGroup var file: FileOption

        func run() throws {
            try file.update { sources throws(WebhookSourcesFileError) in try sources.retire(name: name) }
            FileHandleStream.standardError.write("Webhook source '\(name)' in \(file.file) now has only its newest secret.\n")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the sources: names, roles, scopes, how many secrets; never the secrets.")

        @OptionGroup var file: FileOption

        func run() throws {
            let sources = try WebhookSourcesFile.load(path: file.file)
            print("name\trole\tservices\tagentLoginId\tcreatedAt\tsecrets")
            for source in sources.sources {
                let services = source.services.map { $0.map(String.init).joined(separator: ",") } ?? "all"
                print("\(source.name)\t\(source.role)\t\(services)\t\(source.agentLoginId ?? "-")\t\(source.createdAt)\t\(source.secrets.count)")
            }
        }
    }

    /// How the sender signs, printed after a new source's secret.
    static let signingHelp = """

        The sender signs each delivery as Standard Webhooks (https://www.standardwebhooks.com) describes:
          webhook-id:        a unique id per message (1 to 256 printable ASCII characters)
          webhook-timestamp: the Unix time in seconds (by default accepted within 5 minutes of CallGate's clock)
          webhook-signature: v1,<base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>
        where key is the base64-decoded part of the secret after whsec_. Any Standard Webhooks library does this.

        """
}
