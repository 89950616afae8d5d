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

    typealias FileOption = IdentityFileOption<WebhookSourcesFile>

    struct AddSource: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-source", abstract: "Add a source and print its secret, alone, on stdout.")

        @OptionGroup var new: NewIdentityOptions<WebhookSourcesFile>

        func run() throws {
            let (role, secret) = try new.add { sources, name, role, services, agentLoginId, rateLimit throws(WebhookSourcesFileError) in
                try sources.addSource(name: name, role: role, services: services, agentLoginId: agentLoginId, rateLimit: rateLimit)
            }
            FileHandleStream.standardError.write("Added webhook source '\(new.identity.name)' (\(role.rawValue)) to \(new.file.file). Its secret:\n")
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
            print("name\trole\tservices\tagentLoginId\tcreatedAt\tsecrets")
            for source in try file.load().sources {
                print(FileOption.columns(source, createdAt: source.createdAt) + "\t\(source.secrets.count)")
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
