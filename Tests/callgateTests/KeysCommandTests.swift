import Foundation
import Testing

@Suite("callgate keys")
struct KeysCommandTests {
    @Test("create prints the new key alone on stdout; list shows no secret; revoke marks it")
    func lifecycle() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("keys.yaml").path

        let created = try await CLI.run(["keys", "create", "--name", "crm", "--role", "manager", "--services", "21429,50123", "--file", file], stdin: "")
        #expect(created.status == 0)
        let key = created.stdout.trimmingCharacters(in: .newlines)
        #expect(created.stdout == key + "\n")
        #expect(key.hasPrefix("cgk_") && key.count == 47)
        #expect(created.stderr.contains("crm"))

        let agent = try await CLI.run(["keys", "create", "--name", "a7", "--role", "Agent", "--agent-login-id", "agent007", "--file", file], stdin: "")
        #expect(agent.status == 0)

        let listed = try await CLI.run(["keys", "list", "--file", file], stdin: "")
        #expect(listed.status == 0)
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 3)
        #expect(rows[1][0...3] == ["crm", "Manager", "21429,50123", "-"])
        #expect(rows[1][5] == "active")
        #expect(rows[2][0...3] == ["a7", "Agent", "all", "agent007"])
        #expect(!listed.stdout.contains(key))
        #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains(key))

        let revoked = try await CLI.run(["keys", "revoke", "crm", "--file", file], stdin: "")
        #expect(revoked.status == 0)
        let relisted = try await CLI.run(["keys", "list", "--file", file], stdin: "")
        #expect(relisted.stdout.split(separator: "\n")[1].contains("\trevoked 20"))
        #expect(relisted.stdout.split(separator: "\n")[2].hasSuffix("\tactive"))
    }

    @Test("Bad key requests are usage errors (exit 2)", arguments: [
        ["keys", "create", "--name", "x", "--role", "Boss"],
        ["keys", "create", "--name", "x", "--role", "Agent"],
        ["keys", "create", "--name", "x", "--role", "Manager", "--agent-login-id", "a"],
        ["keys", "create", "--name", "x", "--role", "Manager", "--services", "12,abc"],
    ])
    func usage(arguments: [String]) async throws {
        let result = try await CLI.run(arguments + ["--file", "/nonexistent/keys.yaml"], stdin: "")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
    }

    @Test("Revoking an unknown name fails with a sentence")
    func revokeUnknown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("keys.yaml").path
        _ = try await CLI.run(["keys", "create", "--name", "crm", "--role", "Manager", "--file", file], stdin: "")
        let result = try await CLI.run(["keys", "revoke", "nobody", "--file", file], stdin: "")
        #expect(result.status == 1)
        #expect(result.stderr.contains("No key is named 'nobody'."))
    }
}
