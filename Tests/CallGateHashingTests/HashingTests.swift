import CallGateHashing
import Crypto
import Testing

@Suite("Hashing")
struct HashingTests {
    @Test("a prepared HMAC gives HMAC-SHA256's code for any key length, message and split into pieces",
          arguments: [1, 16, 32, 63, 64, 65, 100])
    func preparedHMAC(keyLength: Int) {
        let keyBytes = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        let key = SymmetricKey(data: keyBytes)
        let prepared = PreparedHMAC(key: keyBytes)
        for message in ["", "a", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.1674087231.{\"a\":1}", String(repeating: "é", count: 300)] {
            let expected = Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
            var whole = prepared.start()
            whole.update(utf8: message)
            #expect(Array(whole.finalize()) == expected)
            // A second use of the same key, the message as raw bytes in two pieces.
            let bytes = Array(message.utf8)
            let middle = bytes.count / 2
            var pieces = prepared.start()
            bytes[..<middle].withUnsafeBytes { pieces.update(bytes: $0) }
            bytes[middle...].withUnsafeBytes { pieces.update(bytes: $0) }
            #expect(Array(pieces.finalize()) == expected)
            #expect(Array(prepared.authenticate(bytes)) == expected)
        }
    }

    @Test("libcrypto's SHA-256 gives swift-crypto's digest at every block edge, whole or in pieces",
          arguments: [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000])
    func sha256(length: Int) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = Array(SHA256.hash(data: bytes))
        var whole = SHA256Hasher()
        bytes.withUnsafeBytes { whole.update($0) }
        let digest = whole.finalize()
        #expect(Array(digest) == expected)
        #expect(digest.withUnsafeBytes { Array($0) } == expected)
        #expect(digest == SHA256Bytes(expected))
        for split in [0, length / 3, length] {
            var pieces = SHA256Hasher()
            bytes[..<split].withUnsafeBytes { pieces.update($0) }
            bytes[split...].withUnsafeBytes { pieces.update($0) }
            #expect(Array(pieces.finalize()) == expected)
        }
        #expect(Array(bytes.withUnsafeBytes { SHA256Hasher.hash($0) }) == expected)
        #expect(SHA256Bytes(bytes.prefix(31)) == nil)
    }

    @Test("a text hashes as its UTF-8, whole or appended, as swift-crypto's SHA-256")
    func sha256OfText() {
        for text in ["", "cgk_abc", String(repeating: "é漢😀", count: 40)] {
            let expected = Array(SHA256.hash(data: Array(text.utf8)))
            #expect(Array(SHA256Hasher.hash(utf8: text)) == expected)
            var appended = SHA256Hasher()
            appended.update(Array(text.utf8))
            #expect(Array(appended.finalize()) == expected)
        }
    }

    @Test("a digest is written as 64 lowercase hex digits, which decode back to its bytes")
    func hex() throws {
        let digest = SHA256Hasher.hash(utf8: "abc")
        #expect(digest.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.decode(digest.hex.uppercased()) == Array(digest))
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.encode([0x00, 0x0F, 0xF0, 0xFF]) == "000ff0ff")
    }

    @Test("the constant-time comparison accepts exactly the same 32 bytes", arguments: [0, 15, 31])
    func constantTimeEquals(changed index: Int) throws {
        let digest = SHA256Hasher.hash(utf8: "webhook")
        let bytes = Array(digest)
        #expect(digest.constantTimeEquals(bytes))
        var altered = bytes
        altered[index] ^= 0x01
        #expect(!digest.constantTimeEquals(altered))
        #expect(!digest.constantTimeEquals(bytes.dropLast()))
        #expect(!digest.constantTimeEquals(bytes + [0]))
    }

    @Test("libcrypto's Ed25519 gives swift-crypto's public key and signature, and each accepts the other's signatures",
          arguments: [0, 1, 64, 1000])
    func ed25519(length: Int) throws {
        let seed = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 5) }
        let ours = try #require(Ed25519.PrivateKey(seed: seed))
        let theirs = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        #expect(ours.publicKey == Array(theirs.publicKey.rawRepresentation))
        let signature = ours.sign(message)
        #expect(signature.count == 64)
        #expect(theirs.publicKey.isValidSignature(signature, for: message))
        let theirSignature = Array(try theirs.signature(for: message))
        #expect(Ed25519.isValidSignature(theirSignature, of: message, publicKey: ours.publicKey))
        #expect(Ed25519.isValidSignature(signature, of: message, publicKey: ours.publicKey))
    }

    @Test("an Ed25519 signature is refused for another message, another key, or a flipped bit")
    func ed25519Refusals() throws {
        let key = try #require(Ed25519.PrivateKey(seed: [UInt8](repeating: 9, count: 32)))
        let other = try #require(Ed25519.PrivateKey(seed: [UInt8](repeating: 10, count: 32)))
        let message = Array("7|a head|1796673662000".utf8)
        let signature = key.sign(message)
        #expect(!Ed25519.isValidSignature(signature, of: Array("8|a head|1796673662000".utf8), publicKey: key.publicKey))
        #expect(!Ed25519.isValidSignature(signature, of: message, publicKey: other.publicKey))
        var flipped = signature
        flipped[10] ^= 0x01
        #expect(!Ed25519.isValidSignature(flipped, of: message, publicKey: key.publicKey))
        #expect(!Ed25519.isValidSignature(Array(signature.dropLast()), of: message, publicKey: key.publicKey))
        #expect(Ed25519.PrivateKey(seed: [1, 2, 3]) == nil)
        #expect(Ed25519.PrivateKey.generate().publicKey != Ed25519.PrivateKey.generate().publicKey)
    }
}
