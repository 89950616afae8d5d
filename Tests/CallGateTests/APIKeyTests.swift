import CallGateCore
import Foundation
import Testing

@testable import CallGate

@Suite("API keys and the keys file")
struct APIKeyTests {
    /// A fresh temporary directory, removed when the test ends.
    final class TemporaryDirectory {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test("A new key is cgk_ plus 43 base62 characters, and no two are alike")
    func generate() {
        let keys = (0..<200).map { _ in APIKey.generate() }
        #expect(Set(keys).count == 200)
        for key in keys {
            #expect(key.hasPrefix("cgk_"))
            #expect(key.count == 47)
            #expect(APIKey.isWellFormed(key))
        }
    }

    @Test("Malformed keys are told apart before any lookup", arguments: [
        "", "cgk_", "cgk_short", "xyz_" + String(repeating: "a", count: 43), "cgk_" + String(repeating: "a", count: 42) + "-",
        "cgk_" + String(repeating: "a", count: 44),
    ])
    func malformed(key: String) {
        #expect(!APIKey.isWellFormed(key))
    }

    @Test("The stored digest is the SHA-256 of the key in lowercase hex")
    func digest() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        #expect(APIKey.digest(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // The lookup form: the same 32 bytes whether hashed from the key or read from the file's hex.
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(APIKeyDigest(key: "abc") == APIKeyDigest(hex: hex))
        #expect(APIKeyDigest(key: "abc"[...]) == APIKeyDigest(hex: hex.uppercased()))
        #expect(APIKeyDigest(key: "abd") != APIKeyDigest(hex: hex))
        // Every byte counts, the last one included.
        #expect(APIKeyDigest(hex: String(hex.dropLast()) + "e") != APIKeyDigest(hex: hex))
        for invalid in ["", String(hex.dropLast()), hex + "0", String(hex.dropLast()) + "g"] {
            #expect(APIKeyDigest(hex: invalid) == nil, "\(invalid)")
        }
    }

    @Test("Created keys authenticate as their principal; revoked and unknown keys do not")
    func createRevokeAuthenticate() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/keys.yaml"
        var file = KeysFile()
        let manager = try file.create(name: "crm", role: .manager, services: [21429, 50123], agentLoginId: nil)
        let agent = try file.create(name: "agent-7", role: .agent, services: nil, agentLoginId: "agent007")
        try file.save(path: path)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(manager) && !text.contains(agent))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let store = try APIKeyStore(path: path)
        #expect(store.authenticate(key: manager) == Principal(name: "crm", role: .manager, services: [21429, 50123],
                                                              agentLoginId: nil, authMethod: .apiKey))
        #expect(store.authenticate(key: agent)?.agentLoginId == "agent007")
        #expect(store.authenticate(key: APIKey.generate()) == nil)

        var changed = try KeysFile.load(path: path)
        try changed.revoke(name: "crm")
        try changed.save(path: path)
        #expect(store.authenticate(key: manager) != nil, "the old table stays until reload")
        try store.reload()
        #expect(store.authenticate(key: manager) == nil)
        #expect(store.authenticate(key: agent) != nil)
    }

    @Test("Invalid keys files are refused with a message naming the key", arguments: [
        ("keys:\n  - {name: a, role: Boss, sha256: \(String(repeating: "0", count: 64))}\n", "unknown role 'Boss'"),
        ("keys:\n  - {name: a, role: Agent, sha256: \(String(repeating: "0", count: 64))}\n", "an Agent key needs its agentLoginId"),
        ("keys:\n  - {name: a, role: Manager, sha256: abc}\n", "sha256 must be 64 lowercase hex digits"),
        ("keys:\n  - {name: a, role: Manager, sha256: \(String(repeating: "0", count: 64))}\n  - {name: a, role: Manager, sha256: \(String(repeating: "1", count: 64))}\n", "names must be unique"),
        ("keys:\n  - {name: a, role: Manager, sha256: \(String(repeating: "0", count: 64)), services: []}\n", "services is empty"),
        ("keys: [\n", "is not valid"),
    ])
    func invalidFiles(yaml: String, message: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/keys.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try KeysFile.load(path: path)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("A failed reload keeps the keys that were in force")
    func failedReload() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/keys.yaml"
        var file = KeysFile()
        let key = try file.create(name: "ops", role: .sysadmin, services: nil, agentLoginId: nil)
        try file.save(path: path)
        let store = try APIKeyStore(path: path)
        try "keys: [".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KeysFileError.self) { try store.reload() }
        #expect(store.authenticate(key: key)?.name == "ops")
    }

    @Test("Duplicate names and double revocations are refused")
    func duplicates() throws {
        var file = KeysFile()
        _ = try file.create(name: "crm", role: .manager, services: nil, agentLoginId: nil)
        #expect(throws: KeysFileError("A key named 'crm' already exists; choose another name or revoke it first.")) {
            _ = try file.create(name: "crm", role: .manager, services: nil, agentLoginId: nil)
        }
        try file.revoke(name: "crm")
        #expect(throws: KeysFileError("The key 'crm' is already revoked.")) { try file.revoke(name: "crm") }
        #expect(throws: KeysFileError("No key is named 'nobody'.")) { try file.revoke(name: "nobody") }
    }
}
