import COpenSSLSHA

/// Ed25519 signatures (RFC 8032) through libcrypto: the audit witness signs the chain heads it sees
/// with a key of its own, and verifiers check them with the public key alone.
public enum Ed25519 {
    /// The length of a private key (its seed) and of a public key, in bytes.
    public static let keyByteCount = 32
    /// The length of a signature, in bytes.
    public static let signatureByteCount = 64

    /// A private key: the 32-byte seed RFC 8032 calls the private key, and its public key.
    public struct PrivateKey: Sendable {
        private let seed: [UInt8]
        /// The 32-byte public key, for verifiers.
        public let publicKey: [UInt8]

        /// The key whose seed is `seed`; nil unless it has 32 bytes.
        public init?(seed: [UInt8]) {
            guard seed.count == Ed25519.keyByteCount else { return nil }
            var publicKey = [UInt8](repeating: 0, count: Ed25519.keyByteCount)
            guard copensslsha_ed25519_public_key(seed, &publicKey) == 1 else { return nil }
            self.seed = seed
            self.publicKey = publicKey
        }

        /// A new key from the system's secure random generator.
        public static func generate() -> PrivateKey {
            var generator = SystemRandomNumberGenerator()
            while true {
                let seed = (0..<Ed25519.keyByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                // Every 32-byte seed is a valid key; the loop only guards against libcrypto failing.
                if let key = PrivateKey(seed: seed) { return key }
            }
        }

        /// The seed, to be kept in the key file.
        public var seedBytes: [UInt8] { seed }

        /// The 64-byte signature of `message`.
        public func sign(_ message: [UInt8]) -> [UInt8] {
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureByteCount)
            let ok = message.withUnsafeBytes { bytes in
                copensslsha_ed25519_sign(seed, bytes.baseAddress, bytes.count, &signature)
            }
            // Signing with a key libcrypto already accepted fails only when it cannot allocate.
            precondition(ok == 1, "libcrypto could not sign with Ed25519")
            return signature
        }
    }

    /// Whether `signature` is the signature of `message` by the key whose public key is `publicKey`;
    /// false for a public key or signature of the wrong length.
    public static func isValidSignature(_ signature: [UInt8], of message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == signatureByteCount, publicKey.count == keyByteCount else { return false }
        return message.withUnsafeBytes { bytes in
            copensslsha_ed25519_verify(publicKey, bytes.baseAddress, bytes.count, signature) == 1
        }
    }
}
