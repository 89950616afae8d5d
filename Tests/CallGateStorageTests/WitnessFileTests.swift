import CallGateHashing
import CallGateStorage
import Foundation
import StorageTestSupport
import Testing

@Suite("Audit witness file and key")
struct WitnessFileTests {
    static let key = Ed25519.PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))!
    static let hash = String(repeating: "ab", count: 32)

    static func head(_ sequence: Int64) -> WitnessHead {
        WitnessHead(sequence: sequence, hash: hash, timeMillis: 1_796_673_662_000 + sequence * 1000)
    }

    @Test("a line is one JSON object with the head, its time for people and the signature, and reads back")
    func lineFormat() throws {
        let line = WitnessLine(head: Self.head(2000), signedBy: Self.key)
        #expect(line.text == #"{"sequence":2000,"hash":"\#(Self.hash)","timeMillis":1796675662000,"time":"2026-12-07T20:34:22Z","signature":"\#(Hex.encode(line.signature))"}"#)
        #expect(WitnessLine.parse(Substring(line.text)) == line)
        #expect(line.isSigned(by: Self.key.publicKey))
        #expect(WitnessLine.parse(#"{"sequence":1,"hash":"x"}"#) == nil)
        #expect(WitnessLine.parse(Substring(line.text + "}")) == nil)
    }

    @Test("heads are appended one a line and read back in order, the rotated file first")
    func appendAndRotate() throws {
        let directory = try TemporaryDirectory()
        let lineBytes = WitnessLine(head: Self.head(1), signedBy: Self.key).text.utf8.count + 1
        let file = WitnessFile(path: directory.file("data/audit.witness"), rotationBytes: lineBytes * 3)
        for sequence in 1...5 {
            try file.append(WitnessLine(head: Self.head(Int64(sequence)), signedBy: Self.key))
        }
        #expect(try String(contentsOfFile: file.previousPath, encoding: .utf8).split(separator: "\n").count == 3)
        #expect(try String(contentsOfFile: file.path, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(try file.heads(publicKey: Self.key.publicKey) == (1...5).map { Self.head(Int64($0)) })
        #expect(try file.lastHead(publicKey: Self.key.publicKey) == Self.head(5))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a line whose signature is not the witness key's is refused, naming the file and line")
    func forgedLine() throws {
        let directory = try TemporaryDirectory()
        let file = WitnessFile(path: directory.file("audit.witness"))
        try file.append(WitnessLine(head: Self.head(1), signedBy: Self.key))
        // Whoever holds the database and the chain key, but not the witness key, signs with another.
        let forger = Ed25519.PrivateKey(seed: [UInt8](repeating: 0x43, count: 32))!
        try file.append(WitnessLine(head: Self.head(20), signedBy: forger))
        #expect(throws: AuditStoreError(
            code: .corrupt,
            detail: "Line 2 of the witness file \(file.path) (record 20) is not signed by the witness key: it was forged or altered."
        )) { try file.heads(publicKey: Self.key.publicKey) }
        #expect(throws: AuditStoreError.self) { try file.lastHead(publicKey: Self.key.publicKey) }

        // A signed line with its sequence changed.
        let altered = WitnessLine(head: Self.head(3), signedBy: Self.key).text.replacingOccurrences(of: #""sequence":3"#, with: #""sequence":30"#)
        try (altered + "\n").write(toFile: file.path, atomically: false, encoding: .utf8)
        #expect(throws: AuditStoreError(
            code: .corrupt,
            detail: "Line 1 of the witness file \(file.path) (record 30) is not signed by the witness key: it was forged or altered."
        )) { try file.heads(publicKey: Self.key.publicKey) }
        try "not a head\n".write(toFile: file.path, atomically: false, encoding: .utf8)
        #expect(throws: AuditStoreError(
            code: .corrupt, detail: "Line 1 of the witness file \(file.path) is not a signed head: it was altered."
        )) { try file.heads(publicKey: Self.key.publicKey) }
    }

    @Test("a last line a crash cut short is skipped; a missing file is unavailable")
    func cutShortAndMissing() throws {
        let directory = try TemporaryDirectory()
        let file = WitnessFile(path: directory.file("audit.witness"))
        #expect(throws: AuditStoreError(code: .unavailable, detail: "The witness file \(file.path) does not exist.")) {
            try file.heads(publicKey: Self.key.publicKey)
        }
        #expect(try file.lastHead(publicKey: Self.key.publicKey) == nil)
        try file.append(WitnessLine(head: Self.head(1), signedBy: Self.key))
        let partial = String(WitnessLine(head: Self.head(2), signedBy: Self.key).text.prefix(40))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(partial.utf8))
        try handle.close()
        #expect(try file.heads(publicKey: Self.key.publicKey) == [Self.head(1)])
        #expect(try file.lastHead(publicKey: Self.key.publicKey) == Self.head(1))
    }

    @Test("the witness key file is created once, mode 0600, as 64 hex digits, and loads back as the same key")
    func keyFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("data/audit-witness.key")
        #expect(throws: AuditStoreError.self) { try WitnessKey.load(path: path) }
        let created = try WitnessKey.loadOrCreate(path: path)
        let again = try WitnessKey.loadOrCreate(path: path)
        #expect(again.publicKey == created.publicKey)
        #expect(try WitnessKey.load(path: path).publicKey == created.publicKey)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == Hex.encode(created.seedBytes) + "\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("data")) == ["audit-witness.key"])
        try "abc\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: AuditStoreError(
            code: .invalidSecret,
            detail: "The witness key file \(path) must hold the Ed25519 private key as 64 hexadecimal digits on one line."
        )) { try WitnessKey.load(path: path) }
    }

    @Test("the witness file and key sit beside the store's file by default")
    func defaultPaths() throws {
        #expect(try WitnessFile.path(named: WitnessFile.defaultName, besideStore: "sqlite:data/callgate.sqlite") == "data/audit.witness")
        #expect(try WitnessFile.path(named: WitnessKey.defaultName, besideStore: "sqlite:/var/lib/cg/a.sqlite") == "/var/lib/cg/audit-witness.key")
    }
}
