import CallGateHashing

/// The two keys of the audit trail, derived from one secret.
///
/// - The chain key signs every record:
///   `hash = HMAC-SHA256(chainKey, previousHash + "|" + sequence + "|" + SHA-256(content))`, so
///   whoever can edit the database but does not hold the secret cannot forge a consistent chain.
///   The same key MACs the pruning checkpoint (`checkpointMAC`), from which a pruned chain starts.
/// - The fingerprint key turns phone numbers into search keys that reveal nothing without it.
///
/// Each is `HMAC-SHA256(secret, label)` with its own label (`callgate audit chain v2`,
/// `callgate phone fingerprint v1`), so neither reveals the other. Losing the secret makes existing
/// chains unverifiable and existing fingerprints unsearchable: back it up with the database.
public struct AuditKeys: Sendable {
    /// The shortest secret accepted, in bytes.
    public static let minimumSecretLength = 16

    /// HMAC-SHA256 under the chain key, with its two padded-key blocks already absorbed.
    private let chainMAC: ChainMAC
    /// HMAC-SHA256 under the fingerprint key, prepared the same way.
    private let fingerprintMAC: PreparedHMAC

    /// Derives the keys from `secret`; throws `invalidSecret` when it is shorter than 16 bytes.
    public init(secret: [UInt8]) throws(AuditStoreError) {
        guard secret.count >= Self.minimumSecretLength else {
            throw AuditStoreError(
                code: .invalidSecret,
                detail: "The audit secret has \(secret.count) bytes; it needs at least \(Self.minimumSecretLength) (32 random bytes recommended)."
            )
        }
        let master = PreparedHMAC(key: secret)
        chainMAC = ChainMAC(key: Self.derive(master, label: "callgate audit chain v2"))
        fingerprintMAC = PreparedHMAC(key: Self.derive(master, label: "callgate phone fingerprint v1"))
    }

    private static func derive(_ master: PreparedHMAC, label: String) -> [UInt8] {
        Array(master.authenticate(Array(label.utf8)))
    }

    /// The lowercase hex HMAC-SHA256 of `digits` under the fingerprint key.
    ///
    /// The fingerprint is of the exact bytes given, so pass every number in one normalized form
    /// (the gateway uses the 10-digit national number): `4152057483` and `(415) 205-7483` give
    /// different fingerprints.
    public func fingerprint(phone digits: String) -> String {
        var running = fingerprintMAC.start()
        running.update(utf8: digits)
        return running.finalize().hex
    }

    /// The masked form and the fingerprint of a normalized number.
    public func phone(_ digits: String) -> AuditPhone {
        AuditPhone(masked: Self.mask(digits), fingerprint: fingerprint(phone: digits))
    }

    /// The number with every character but the last four replaced by `*`: `4152057483` gives
    /// `******7483`. A number of four characters or fewer is returned unchanged.
    public static func mask(_ digits: String) -> String {
        let count = digits.count
        guard count > 4 else { return digits }
        return String(repeating: "*", count: count - 4) + digits.suffix(4)
    }

    /// The chain hash of the record numbered `sequence`, whose content digests to `contentDigest`
    /// (`AuditRecord.contentDigest()`), after the record whose hash is `previousHash`: lowercase hex
    /// HMAC-SHA256(chain key, UTF-8 of `previousHash` + "|" + decimal `sequence` + "|" + the 32
    /// digest bytes).
    ///
    /// Only this HMAC over about a hundred bytes runs in the store's single writer; the content
    /// digest, the costly part, is computed beforehand by each caller (`AuditWriter`).
    package func chainHash(previousHash: String, sequence: Int64, contentDigest: SHA256Bytes) -> String {
        chainMAC.authenticate(previousHash, sequence: sequence, contentDigest)
    }

    /// The MAC of the pruning checkpoint: lowercase hex HMAC-SHA256(chain key, UTF-8 of
    /// "callgate audit checkpoint v1|" + sequence + "|" + hash + "|" + max time + "|" + pruning time),
    /// numbers in decimal. The label keeps it apart from every record hash, whose message starts
    /// with 64 hex digits.
    package func checkpointMAC(_ checkpoint: ChainCheckpoint) -> String {
        chainMAC.authenticate(
            "callgate audit checkpoint v1|\(checkpoint.anchor.sequence)|\(checkpoint.anchor.hash)|\(checkpoint.maxTimeMillis)|\(checkpoint.prunedAtMillis)"
        )
    }

    /// The keys from the secret file at `path`, creating the file first when it does not exist.
    ///
    /// The file holds the secret as hex on one line. A new file gets 32 random bytes from the
    /// system's secure generator and is written by ``FileSystem/writeSecretFile(_:bytes:replacing:)``
    /// (mode 0600, whole before it appears, parent directories 0700). This is the embedded default;
    /// production deployments provision the secret themselves.
    /// Throws `invalidSecret` when the file cannot be read or created, is not hex, or holds fewer
    /// than 16 bytes.
    public static func loadOrCreate(path: String) throws(AuditStoreError) -> AuditKeys {
        do {
            if let contents = try FileSystem.readFile(path) {
                return try AuditKeys(secret: parseSecretFile(contents, path: path))
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let text = Hex.encode(secret) + "\n"
            if try FileSystem.writeSecretFile(path, bytes: Array(text.utf8), replacing: false) {
                return try AuditKeys(secret: secret)
            }
            // Another process created it between our look and our create: use theirs.
            guard let contents = try FileSystem.readFile(path) else {
                throw FileSystemError(detail: "The audit secret file \(path) disappeared while it was being created.")
            }
            return try AuditKeys(secret: parseSecretFile(contents, path: path))
        } catch let error as FileSystemError {
            throw AuditStoreError(code: .invalidSecret, detail: error.detail)
        } catch let error as AuditStoreError {
            throw error
        } catch {
            throw AuditStoreError(code: .invalidSecret, detail: "The audit secret file \(path) could not be used: \(error).")
        }
    }

    private static func parseSecretFile(_ contents: [UInt8], path: String) throws(AuditStoreError) -> [UInt8] {
        let words = String(decoding: contents, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count == 1, let secret = Hex.decode(words[0]) else {
            throw AuditStoreError(
                code: .invalidSecret,
                detail: "The audit secret file \(path) must hold the secret as hexadecimal on one line (64 hex digits for 32 bytes)."
            )
        }
        guard secret.count >= minimumSecretLength else {
            throw AuditStoreError(
                code: .invalidSecret,
                detail: "The audit secret file \(path) holds \(secret.count) bytes; it needs at least \(minimumSecretLength)."
            )
        }
        return secret
    }
}
