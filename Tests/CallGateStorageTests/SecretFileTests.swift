import CallGateStorage
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Secret files: one writer, owner-only from the first byte")
struct SecretFileTests {
    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o777 : nil
    }

    @Test("A new secret file is 0600 in new 0700 directories, and leaves no temporary file")
    func created() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try FileSystem.writeSecretFile(root + "/a/b/secret", bytes: Array("one\n".utf8), replacing: false))
        #expect(Self.mode(root + "/a/b/secret") == 0o600)
        #expect(Self.mode(root + "/a") == 0o700)
        #expect(Self.mode(root + "/a/b") == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/a/b") == ["secret"])
    }

    @Test("Without replacing, an existing file (another process's) is kept and false returned; with replacing, it is replaced")
    func existing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/secret"
        #expect(try FileSystem.writeSecretFile(path, bytes: Array("first".utf8), replacing: false))
        #expect(try FileSystem.writeSecretFile(path, bytes: Array("second".utf8), replacing: false) == false)
        #expect(try FileSystem.readFile(path) == Array("first".utf8))
        #expect(try FileSystem.writeSecretFile(path, bytes: Array("third".utf8), replacing: true))
        #expect(try FileSystem.readFile(path) == Array("third".utf8))
        #expect(Self.mode(path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["secret"])
    }
}
