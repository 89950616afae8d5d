/// A record's terms for a search index: 64-bit FNV-1a hashes of a filter kind and its value.
///
/// Computed from the record alone, so `AuditWriter` computes them on its caller's thread (when the
/// store asks for them, `AuditStore.indexesSearchTerms`), not on the store's single writer. A
/// collision between two values only adds candidates that a query's exact conditions then drop.
public struct AuditSearchTerms: Sendable, Hashable {
    /// What a term filters on; the raw value is hashed in front of the filter's value.
    public enum Kind: UInt8, Sendable {
        case requestId = 1, principal, role, operation, serviceId, outcome, status, phone
    }

    /// Nearly unique values, one index row per record: the request id, then each phone fingerprint.
    public var perRecord: [Int64]
    /// Values shared by many records, one index row per block of records they occur in: principal,
    /// role, operation, service, outcome and status (those the record has).
    public var perBlock: [Int64]

    /// The terms of `record`.
    public init(_ record: AuditRecord) {
        self.init(requestId: record.requestId, fingerprints: record.phones.map(\.fingerprint), principal: record.principal,
                  role: record.role, operation: record.operation, serviceId: record.serviceId,
                  outcome: record.outcome.rawValue, status: Int64(record.responseStatus))
    }

    /// The terms of a record with these values (as its stored columns give them).
    public init(requestId: String, fingerprints: [String], principal: String?, role: String?, operation: String,
                serviceId: Int64?, outcome: String, status: Int64) {
        perRecord = [Self.term(.requestId, requestId)]
        perRecord.reserveCapacity(1 + fingerprints.count)
        for fingerprint in fingerprints {
            perRecord.append(Self.term(.phone, fingerprint))
        }
        perBlock = []
        perBlock.reserveCapacity(6)
        if let principal { perBlock.append(Self.term(.principal, principal)) }
        if let role { perBlock.append(Self.term(.role, role)) }
        perBlock.append(Self.term(.operation, operation))
        if let serviceId { perBlock.append(Self.term(.serviceId, serviceId)) }
        perBlock.append(Self.term(.outcome, outcome))
        perBlock.append(Self.term(.status, status))
    }

    /// The term for a filter and its value: FNV-1a 64 over the kind byte and the value's UTF-8.
    public static func term(_ kind: Kind, _ value: String) -> Int64 {
        var hash = start(kind)
        for byte in value.utf8 {
            hash = (hash ^ UInt64(byte)) &* prime
        }
        return Int64(bitPattern: hash)
    }

    /// The term for a filter and an integer value: the same as for its decimal text, without the text.
    public static func term(_ kind: Kind, _ value: Int64) -> Int64 {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: an Int64 has at most 20 characters
        return withUnsafeMutableBytes(of: &digits) { buffer -> Int64 in
            var magnitude = value.magnitude
            var index = buffer.count
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "-")
            }
            var hash = start(kind)
            for byte in buffer[index...] {
                hash = (hash ^ UInt64(byte)) &* prime
            }
            return Int64(bitPattern: hash)
        }
    }

    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    private static func start(_ kind: Kind) -> UInt64 {
        (0xCBF2_9CE4_8422_2325 ^ UInt64(kind.rawValue)) &* prime
    }
}
