import CallGateStorage
import Foundation
import StorageTestSupport
import Testing

@Suite("Audit keys")
struct AuditKeysTests {
    @Test("a fingerprint is stable, keyed, and lowercase hex")
    func fingerprints() throws {
        let keys = try AuditKeys(secret: Fixtures.secret)
        let again = try AuditKeys(secret: Fixtures.secret)
        let other = try AuditKeys(secret: [UInt8](repeating: 0x11, count: 32))
        let fingerprint = keys.fingerprint(phone: "4152057483")
        #expect(fingerprint == again.fingerprint(phone: "4152057483"))
        #expect(fingerprint != other.fingerprint(phone: "4152057483"))
        #expect(fingerprint != keys.fingerprint(phone: "4152057484"))
        #expect(fingerprint.count == 64)
        #expect(fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(keys.phone("4152057483") == AuditPhone(masked: "******7483", fingerprint: fingerprint))
    }

    @Test("masking keeps only the last four characters")
    func masking() {
        #expect(AuditKeys.mask("4152057483") == "******7483")
        #expect(AuditKeys.mask("14152057483") == "*******7483")
        #expect(AuditKeys.mask("12345") == "*2345")
        #expect(AuditKeys.mask("1234") == "1234")
        #expect(AuditKeys.mask("") == "")
    }

    @Test("a secret shorter than 16 bytes is refused")
    func shortSecret() throws {
        let error = #expect(throws: AuditStoreError.self) { try AuditKeys(secret: [UInt8](repeating: 1, count: 15)) }
        #expect(error?.code == .invalidSecret)
        #expect(error?.detail == "The audit secret has 15 bytes; it needs at least 16 (32 random bytes recommended).")
        _ = try AuditKeys(secret: [UInt8](repeating: 1, count: 16))
    }

    @Test("loadOrCreate creates a 0600 hex file in new directories and reloads the same key")
    func loadOrCreate() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("nested/keys/audit.secret")
        let created = try AuditKeys.loadOrCreate(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let directoryAttributes = try FileManager.default.attributesOfItem(atPath: directory.file("nested/keys"))
        #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.count == 65 && contents.hasSuffix("\n"))
        let reloaded = try AuditKeys.loadOrCreate(path: path)
        #expect(created.fingerprint(phone: "4152057483") == reloaded.fingerprint(phone: "4152057483"))
        let fromHex = try AuditKeys(secret: Array(contents.utf8.prefix(64)).chunks(of: 2).map { UInt8(String(decoding: $0, as: UTF8.self), radix: 16)! })
        #expect(fromHex.fingerprint(phone: "1") == created.fingerprint(phone: "1"))
    }

    @Test("loadOrCreate refuses a file that is not a long enough hex secret", arguments: [
        ("not hex at all\n", "must hold the secret as hexadecimal on one line"),
        ("abcd ef01\n", "must hold the secret as hexadecimal on one line"),
        ("00112233445566778899aabbccddee\n", "holds 15 bytes; it needs at least 16"),
    ])
    func badSecretFile(contents: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("audit.secret")
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: AuditStoreError.self) { try AuditKeys.loadOrCreate(path: path) }
        #expect(error?.code == .invalidSecret)
        #expect(error?.detail.contains(expected) == true, "\(error?.detail ?? "")")
        #expect(error?.detail.contains(path) == true)
    }
}

extension Array {
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
