@testable import AuditLog
import Crypto
import Foundation
import Testing

@Suite("Canonical form")
struct CanonicalFormTests {
    @Test("the canonical bytes follow the documented form exactly")
    func goldenForm() {
        var record = AuditRecord(
            sequence: 7, requestId: "r\"1\\\n\u{01}é", timeMillis: 1_767_225_600_000,
            principal: "crm", role: "Manager", authMethod: "api_key", clientAddress: "10.0.0.1",
            operation: "launchManualCalls", method: "POST", path: "/v1/services/21429/manual-calls",
            serviceId: 21429, phones: [AuditPhone(masked: "******7483", fingerprint: "ab")], entryCount: 1,
            outcome: .denied, reason: "validation_failed", validationCodes: ["a", "b"],
            upstreamStatus: nil, upstreamAttempts: 0, upstreamLatencyMicros: nil,
            totalLatencyMicros: 900, responseStatus: 422, previousHash: "x", hash: "y"
        )
        let expected = #"{"requestId":"r\"1\\\n\u0001é","timeMillis":1767225600000,"principal":"crm","role":"Manager","authMethod":"api_key","clientAddress":"10.0.0.1","operation":"launchManualCalls","method":"POST","path":"/v1/services/21429/manual-calls","serviceId":21429,"phones":[{"masked":"******7483","fingerprint":"ab"}],"entryCount":1,"outcome":"denied","reason":"validation_failed","validationCodes":["a","b"],"upstreamStatus":null,"upstreamAttempts":0,"upstreamLatencyMicros":null,"totalLatencyMicros":900,"responseStatus":422}"#
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == expected)
        // The sequence and the hashes are not part of the content (the chain hash covers them);
        // every other field is.
        let before = record.canonicalBytes()
        record.previousHash = "other"
        record.hash = "other"
        record.sequence = 8
        #expect(record.canonicalBytes() == before)
        #expect(Array(record.contentDigest()) == Array(SHA256.hash(data: before)))
        record.responseStatus = 423
        #expect(record.canonicalBytes() != before)
    }

    @Test("absent optionals are null and empty lists are []")
    func minimalRecord() {
        let record = AuditRecord(
            requestId: "r", timeMillis: 0, operation: "unknown", method: "GET", path: "/",
            outcome: .denied, totalLatencyMicros: 1, responseStatus: 401
        )
        let expected = #"{"requestId":"r","timeMillis":0,"principal":null,"role":null,"authMethod":null,"clientAddress":null,"operation":"unknown","method":"GET","path":"/","serviceId":null,"phones":[],"entryCount":null,"outcome":"denied","reason":null,"validationCodes":[],"upstreamStatus":null,"upstreamAttempts":0,"upstreamLatencyMicros":null,"totalLatencyMicros":1,"responseStatus":401}"#
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == expected)
    }

    @Test("integers are written as Swift's String(_:) writes them, which stored chains were hashed with")
    func integers() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 1_767_225_600_000, Int64.max, Int64.min, Int64.min + 1]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 { values.append(Int64(truncatingIfNeeded: generator.next() as UInt64) >> Int64.random(in: 0...63)) }
        for value in values {
            var json = CanonicalJSON(capacity: 24)
            json.integer(value)
            #expect(json.bytes == Array(String(value).utf8), "\(value)")
        }
    }

    @Test("string arrays round-trip through their stored JSON form")
    func stringArrays() {
        let values = ["", "plain", "quote\"back\\slash", "ctl\u{01}\u{1F}\n\t", "é漢😀"]
        let encoded = CanonicalJSON.encodeStringArray(values)
        #expect(CanonicalJSON.decodeStringArray(encoded) == values)
        #expect(CanonicalJSON.decodeStringArray(" [ \"a\" , \"\\u00e9\\ud83d\\ude00\\/\" ] ") == ["a", "é😀/"])
        #expect(CanonicalJSON.decodeStringArray("[]") == [])
        for invalid in ["", "[", "[\"a\",]", "[\"a\"] x", "{}", "[1]", "[\"\\ud800\"]", "[\"\u{01}\"]", "[\"\\x\"]"] {
            #expect(CanonicalJSON.decodeStringArray(invalid) == nil, "\(invalid)")
        }
    }

    @Test("a prepared HMAC gives HMAC-SHA256's code for any key length, message and split into pieces",
          arguments: [1, 16, 32, 63, 64, 65, 100])
    func preparedHMAC(keyLength: Int) {
        let key = SymmetricKey(data: (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })
        let prepared = PreparedHMAC(key: key)
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
        #expect(SHA256Bytes(bytes.prefix(31)) == nil)
    }

    @Test("the chain MAC is HMAC-SHA256 over previous hash, sequence and content digest", arguments: [16, 32, 64, 65, 100])
    func chainMAC(keyLength: Int) throws {
        let key = SymmetricKey(data: (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let mac = ChainMAC(key: key)
        let cases: [(String, Int64, [UInt8])] = [
            ("", 1, []), (AuditRecord.genesisHash, 42, Array("{}".utf8)), ("é", 9_000_000_001, [UInt8](repeating: 9, count: 1000)),
            // The sequence's decimal digits at their edges: written without formatting, so checked here.
            ("a", 0, [1]), ("a", 9, [1]), ("a", 10, [1]), ("a", 99, [1]), ("a", 100, [1]),
            ("a", .max, [2]), ("a", -7, [3]), ("a", .min, [4]),
        ]
        for (text, sequence, content) in cases {
            let digest = try #require(SHA256Bytes(SHA256.hash(data: content)))
            let expected = HMAC<SHA256>.authenticationCode(for: Array("\(text)|\(sequence)|".utf8) + Array(digest), using: key)
            #expect(mac.authenticate(text, sequence: sequence, digest) == expected.map { String(format: "%02x", $0) }.joined())
        }
    }
}
