/// The IANA offset data that every time-zone computation reads, decoded once from the packed text in
/// `TimeZoneTables.generated.swift` (see `scripts/gen_timezone_tables.py` for the format and source).
enum TimeZoneTables {
    /// One zone name and where its data lives.
    struct Zone: Sendable {
        /// The name as the IANA database spells it, e.g. `America/New_York`.
        let identifier: String
        /// The standard (non-daylight) UTC offset as of 2026-01-15, in seconds.
        let standardOffset: Int32
        /// Index into `histories`; links share a history.
        let history: Int
    }

    /// The UTC offset of one zone as a step function of time, from 1970 to 2100.
    struct OffsetHistory: Sendable {
        /// The offset in effect before the first change (at 1970-01-01T00:00Z and before).
        let initialOffset: Int32
        /// The instants (epoch seconds, ascending) at which the offset changes.
        let instants: [Int64]
        /// `offsets[i]` is in effect from `instants[i]` until the next change.
        let offsets: [Int32]

        /// The offset in effect at `epochSeconds`.
        func offset(at epochSeconds: Int64) -> Int32 {
            offset(before: firstChange(after: epochSeconds))
        }

        /// The index of the first change strictly after `epochSeconds`.
        func firstChange(after epochSeconds: Int64) -> Int {
            var low = 0
            var high = instants.count
            while low < high {
                let mid = (low + high) / 2
                if instants[mid] <= epochSeconds { low = mid + 1 } else { high = mid }
            }
            return low
        }

        /// The offset before change `index`.
        func offset(before index: Int) -> Int32 {
            index == 0 ? initialOffset : offsets[index - 1]
        }
    }

    /// Every zone by its lowercased name, and every distinct offset history.
    struct Decoded: Sendable {
        let zonesByLowercasedName: [String: Zone]
        let histories: [OffsetHistory]
    }

    /// Decoded on first use; Swift runs a static initializer once, thread-safely.
    static let decoded = Decoded(
        zonesByLowercasedName: decodeZones(packedZones),
        histories: packedHistories.split(separator: "\n").map(decodeHistory)
    )

    private static func decodeZones(_ text: String) -> [String: Zone] {
        var zones: [String: Zone] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let standard = Int32(fields[1]), let history = Int(fields[2]) else {
                preconditionFailure("malformed generated zone line: \(line)")
            }
            let identifier = String(fields[0])
            zones[identifier.lowercased()] = Zone(identifier: identifier, standardOffset: standard, history: history)
        }
        return zones
    }

    private static func decodeHistory(_ line: Substring) -> OffsetHistory {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 2 else { preconditionFailure("malformed generated history line: \(line)") }
        let palette = parts[0].split(separator: " ").map { field -> Int32 in
            guard let value = Int32(field) else { preconditionFailure("malformed offset: \(field)") }
            return value
        }
        var instants: [Int64] = []
        var offsets: [Int32] = []
        var initial: Int32?
        var instant: Int64 = 0
        var delta: Int64 = 0
        for byte in parts[1].utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                delta = delta * 32 + Int64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "v"):
                delta = delta * 32 + Int64(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                let offset = palette[Int(byte - UInt8(ascii: "A"))]
                if initial == nil {
                    initial = offset
                } else {
                    instant += delta
                    instants.append(instant)
                    offsets.append(offset)
                }
                delta = 0
            default:
                preconditionFailure("malformed generated history line: \(line)")
            }
        }
        return OffsetHistory(initialOffset: initial ?? 0, instants: instants, offsets: offsets)
    }
}
