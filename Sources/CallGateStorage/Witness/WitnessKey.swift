import CallGateHashing

/// The witness key file: the Ed25519 private key (its 32-byte seed) as hex on one line, mode 0600.
///
/// The key is the witness's own, not derived from the audit secret, so that whoever can edit the
/// database and read the chain key still cannot sign a head.
public enum WitnessKey {
    /// The key file's name beside the store's file, when no path is given.
    public static let defaultName = "audit-witness.key"

    /// The key in the file at `path`; throws `invalidSecret` when the file is absent, unreadable or holds no key.
    public static func load(path: String) throws(AuditStoreError) -> Ed25519.PrivateKey {
        let contents: [UInt8]?
        do throws(FileSystemError) {
            contents = try FileSystem.readFile(path)
        } catch {
            throw AuditStoreError(code: .invalidSecret, detail: error.detail)
        }
        guard let contents else {
            throw AuditStoreError(
                code: .invalidSecret,
                detail: "The witness key file \(path) does not exist; `callgate serve` creates it at its first start (--audit-witness-key-file)."
            )
        }
        return try parse(contents, path: path)
    }

    /// The key in the file at `path`, creating the file with a new key when it does not exist.
    ///
    /// A new file is written by ``FileSystem/writeSecretFile(_:bytes:replacing:)`` (mode 0600, whole
    /// before it appears); when another process created the file meanwhile, its key is used.
    public static func loadOrCreate(path: String) throws(AuditStoreError) -> Ed25519.PrivateKey {
        do {
            if let contents = try FileSystem.readFile(path) {
                return try parse(contents, path: path)
            }
            let key = Ed25519.PrivateKey.generate()
            guard try FileSystem.writeSecretFile(path, bytes: Array((Hex.encode(key.seedBytes) + "\n").utf8), replacing: false) else {
                return try load(path: path)
            }
            return key
        } catch let error as FileSystemError {
            throw AuditStoreError(code: .invalidSecret, detail: error.detail)
        } catch let error as AuditStoreError {
            throw error
        } catch {
            throw AuditStoreError(code: .invalidSecret, detail: "The witness key file \(path) could not be used: \(error).")
        }
    }

    private static func parse(_ contents: [UInt8], path: String) throws(AuditStoreError) -> Ed25519.PrivateKey {
        let words = String(decoding: contents, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 1, let seed = Hex.decode(words[0]), let key = Ed25519.PrivateKey(seed: seed) else {
            throw AuditStoreError(
                code: .invalidSecret,
                detail: "The witness key file \(path) must hold the Ed25519 private key as 64 hexadecimal digits on one line."
            )
        }
        return key
    }
}
