import CallGateHashing
@testable import CallGateStorage
import Crypto
import Foundation
import Testing

@Suite("Canonical form")
struct CanonicalFormTests {
    @Test("the canonical bytes of the unversioned format, which records written before versions have, follow the documented form exactly")
    func goldenUnversionedForm() {
        var record = AuditRecord(
            sequence: 7, requestId: "r\"1\\\n\u{01}é", timeMillis: 1_767_225_600_000,
            principal: "crm", role: "Manager", authMethod: "api_key", clientAddress: "10.0.0.1",
            operation: "launchManualCalls", method: "POST", path: "/v1/services/21429/manual-calls",
            serviceId: 21429, phones: [AuditPhone(masked: "******7483", fingerprint: "ab")], entryCount: 1,
            outcome: .denied, reason: "validation_failed", validationCodes: ["a", "b"],
            upstreamStatus: nil, upstreamAttempts: 0, upstreamLatencyMicros: nil,
            totalLatencyMicros: 900, responseStatus: 422, previousHash: "x", hash: "y",
            formatVersion: AuditRecord.unversionedFormat
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

    @Test("the canonical bytes of format 3 start with its version and end with the peer address; format 2 lacks the peer address, format 1 the version too")
    func goldenCurrentForm() {
        var record = AuditRecord(
            sequence: 7, requestId: "r", timeMillis: 1_767_225_600_000, principal: "crm", role: "Manager",
            authMethod: "api_key", clientAddress: "10.0.0.1", peerAddress: "192.0.2.7", operation: "launchManualCalls", method: "POST",
            path: "/v1/services/21429/manual-calls", serviceId: 21429,
            phones: [AuditPhone(masked: "******7483", fingerprint: "ab")], entryCount: 1, outcome: .allowed,
            upstreamStatus: 200, upstreamAttempts: 1, upstreamLatencyMicros: 800, totalLatencyMicros: 900,
            responseStatus: 200, formatVersion: 3
        )
        let body = #""requestId":"r","timeMillis":1767225600000,"principal":"crm","role":"Manager","authMethod":"api_key","clientAddress":"10.0.0.1","operation":"launchManualCalls","method":"POST","path":"/v1/services/21429/manual-calls","serviceId":21429,"phones":[{"masked":"******7483","fingerprint":"ab"}],"entryCount":1,"outcome":"allowed","reason":null,"validationCodes":[],"upstreamStatus":200,"upstreamAttempts":1,"upstreamLatencyMicros":800,"totalLatencyMicros":900,"responseStatus":200"#
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == #"{"formatVersion":3,"# + body + #","peerAddress":"192.0.2.7"}"#)
        // The version is covered: the same content in another format hashes differently.
        let current = record.contentDigest()
        record.formatVersion = 2
        #expect(record.contentDigest() != current)
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == #"{"formatVersion":2,"# + body + "}")
        record.formatVersion = AuditRecord.unversionedFormat
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == "{" + body + "}")
    }

    @Test("the canonical bytes of the current format (4) end with the calling-window decision, or null without one; format 3's stay as they were")
    func goldenCallingWindowForm() {
        var record = AuditRecord(
            sequence: 7, requestId: "r", timeMillis: 1_767_225_600_000, principal: "crm", role: "Manager",
            authMethod: "api_key", clientAddress: "10.0.0.1", peerAddress: "192.0.2.7", operation: "launch_manual_calls", method: "POST",
            path: "/v1/services/21429/manual-calls", serviceId: 21429,
            phones: [AuditPhone(masked: "******1234", fingerprint: "ab")], entryCount: 1, outcome: .denied, reason: "outside_calling_window",
            validationCodes: ["outside_calling_window"], totalLatencyMicros: 900, responseStatus: 422,
            callingWindow: AuditCallingWindow(profile: "telemarketing", ruleIds: ["US-FL-solicitation", "q\"uote"],
                                              nextAllowedAtMillis: 1_780_401_600_000, rulesDigest: "cd")
        )
        #expect(record.formatVersion == 4)
        let body = #""requestId":"r","timeMillis":1767225600000,"principal":"crm","role":"Manager","authMethod":"api_key","clientAddress":"10.0.0.1","operation":"launch_manual_calls","method":"POST","path":"/v1/services/21429/manual-calls","serviceId":21429,"phones":[{"masked":"******1234","fingerprint":"ab"}],"entryCount":1,"outcome":"denied","reason":"outside_calling_window","validationCodes":["outside_calling_window"],"upstreamStatus":null,"upstreamAttempts":0,"upstreamLatencyMicros":null,"totalLatencyMicros":900,"responseStatus":422,"peerAddress":"192.0.2.7""#
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self)
            == #"{"formatVersion":4,"# + body + #","callingWindow":{"profile":"telemarketing","rules":["US-FL-solicitation","q\"uote"],"nextAllowedAt":1780401600000,"rulesDigest":"cd"}}"#)
        // Each part of the decision is covered.
        let decided = record.contentDigest()
        record.callingWindow?.nextAllowedAtMillis = nil
        #expect(record.contentDigest() != decided)
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self).hasSuffix(#""nextAllowedAt":null,"rulesDigest":"cd"}}"#))
        record.callingWindow = nil
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == #"{"formatVersion":4,"# + body + #","callingWindow":null}"#)
        record.formatVersion = 3
        #expect(String(decoding: record.canonicalBytes(), as: UTF8.self) == #"{"formatVersion":3,"# + body + "}")
    }

    @Test("a calling-window decision round-trips through its stored form, and a stored form that is not one is refused")
    func callingWindowStoredForm() {
        for window in [AuditCallingWindow(profile: "baseline", ruleIds: [], nextAllowedAtMillis: nil, rulesDigest: "ab"),
                       AuditCallingWindow(profile: "telemarketing", ruleIds: ["US-FL-solicitation", "location_unknown"],
                                          nextAllowedAtMillis: -5, rulesDigest: "ab")] {
            #expect(AuditCallingWindow(storedForm: window.storedForm) == window)
        }
        #expect(AuditCallingWindow(profile: "off", ruleIds: ["A"], nextAllowedAtMillis: 12, rulesDigest: "d").storedForm == #"["off","d","12","A"]"#)
        for invalid in ["", "[]", #"["off","d"]"#, #"["off","d","soon"]"#, "[1,2,3]"] {
            #expect(AuditCallingWindow(storedForm: invalid) == nil, "\(invalid)")
        }
    }

    @Test("absent optionals are null and empty lists are []")
    func minimalRecord() {
        let record = AuditRecord(
            requestId: "r", timeMillis: 0, operation: "unknown", method: "GET", path: "/",
            outcome: .denied, totalLatencyMicros: 1, responseStatus: 401, formatVersion: AuditRecord.unversionedFormat
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

    @Test("the chain MAC is HMAC-SHA256 over previous hash, sequence and content digest", arguments: [16, 32, 64, 65, 100])
    func chainMAC(keyLength: Int) throws {
        let keyBytes = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let key = SymmetricKey(data: keyBytes)
        let mac = ChainMAC(key: keyBytes)
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
