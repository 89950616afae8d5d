import Foundation
import Testing

@Suite("callgate webhooks")
struct WebhooksCommandTests {
    /// A sources file path in a fresh temporary directory, removed when `body` returns.
    static func withFile(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-webhooks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.appendingPathComponent("webhook-sources.yaml").path)
    }

    /// The `list` rows, split into columns, header included.
    static func rows(_ stdout: String) -> [[String]] {
        stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test("add-source prints the secret alone on stdout; rotate adds one; retire keeps the newest; list shows no secret")
    func lifecycle() throws {
        try Self.withFile { file in
            let added = try CLI.runBlocking(["webhooks", "add-source", "--name", "crm", "--role", "manager", "--services", "21429,50123",
                                     "--file", file], stdin: "")
            #expect(added.status == 0)
            let secret = added.stdout.trimmingCharacters(in: .newlines)
            #expect(added.stdout == secret + "\n")
            #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
            #expect(added.stderr.contains("Added webhook source 'crm' (Manager)"))
            #expect(added.stderr.contains(#"webhook-signature: v1,<base64 of HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>"#))

            let agent = try CLI.runBlocking(["webhooks", "add-source", "--name", "dialer", "--role", "Agent", "--agent-login-id", "agent007",
                                     "--rate-limit", "50", "--burst", "100", "--file", file], stdin: "")
            #expect(agent.status == 0)

            let rotated = try CLI.runBlocking(["webhooks", "rotate", "crm", "--file", file], stdin: "")
            #expect(rotated.status == 0)
            let newSecret = rotated.stdout.trimmingCharacters(in: .newlines)
            #expect(rotated.stdout == newSecret + "\n")
            #expect(newSecret.hasPrefix("whsec_") && newSecret != secret)
            #expect(rotated.stderr.contains("callgate webhooks retire crm"))

            let listed = try CLI.runBlocking(["webhooks", "list", "--file", file], stdin: "")
            #expect(listed.status == 0)
            let rows = Self.rows(listed.stdout)
            #expect(rows.count == 3)
            #expect(rows[0] == ["name", "role", "services", "agentLoginId", "createdAt", "secrets"])
            #expect(rows[1][0...3] == ["crm", "Manager", "21429,50123", "-"])
            #expect(rows[1][5] == "2")
            #expect(rows[2][0...3] == ["dialer", "Agent", "all", "agent007"])
            #expect(rows[2][5] == "1")
            #expect(!listed.stdout.contains("whsec_"))

            let contents = try String(contentsOfFile: file, encoding: .utf8)
            #expect(contents.contains(secret) && contents.contains(newSecret))
            #expect(contents.contains("requestsPerSecond: 50") && contents.contains("burst: 100"))

            let retired = try CLI.runBlocking(["webhooks", "retire", "crm", "--file", file], stdin: "")
            #expect(retired.status == 0)
            #expect(retired.stdout.isEmpty)
            let after = try String(contentsOfFile: file, encoding: .utf8)
            #expect(!after.contains(secret) && after.contains(newSecret))
            #expect(Self.rows(try CLI.runBlocking(["webhooks", "list", "--file", file], stdin: "").stdout)[1][5] == "1")
        }
    }

    @Test("Bad source requests are usage errors (exit 2)", arguments: [
        ["webhooks", "add-source", "--name", "x", "--role", "Boss"],
        ["webhooks", "add-source", "--name", "x", "--role", "Agent"],
        ["webhooks", "add-source", "--name", "x", "--role", "Manager", "--agent-login-id", "a"],
        ["webhooks", "add-source", "--name", "x", "--role", "Manager", "--services", "12,abc"],
        ["webhooks", "add-source", "--name", "", "--role", "Manager"],
        ["webhooks", "rotate"],
        ["webhooks", "add-source", "--name", "x", "--role", "Manager", "--burst", "10"],
        ["webhooks", "add-source", "--name", "x", "--role", "Manager", "--rate-limit", "0"],
    ])
    func usage(arguments: [String]) throws {
        let result = try CLI.runBlocking(arguments + ["--file", "/nonexistent/webhook-sources.yaml"], stdin: "")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
    }

    @Test("Unknown names, a retire without a rotation and a duplicate source fail with a sentence (exit 1)")
    func failures() throws {
        try Self.withFile { file in
            _ = try CLI.runBlocking(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--file", file], stdin: "")
            for (arguments, message) in [
                (["webhooks", "rotate", "nobody"], "No webhook source is named 'nobody'."),
                (["webhooks", "retire", "crm"], "The webhook source 'crm' has a single secret; there is no rotation to end."),
                (["webhooks", "add-source", "--name", "crm", "--role", "Manager"],
                 "A webhook source named 'crm' already exists; choose another name."),
            ] {
                let result = try CLI.runBlocking(arguments + ["--file", file], stdin: "")
                #expect(result.status == 1)
                #expect(result.stdout.isEmpty)
                #expect(result.stderr.contains(message))
            }
        }
    }

    @Test("The default file is data/webhook-sources.yaml")
    func defaultFile() throws {
        let result = try CLI.runBlocking(["webhooks", "list", "--help"], stdin: "")
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("--file <file> The webhook sources file (YAML). (default: data/webhook-sources.yaml)"))
    }
}
