import CallGateCore
import Synchronization

/// Request ids: the caller's `X-Request-ID` when it is safe to log and echo, a new one otherwise.
enum RequestID {
    /// The caller's id when it has 1 to 128 characters from `A-Z a-z 0-9 . _ : -`; otherwise nil.
    static func accept(_ header: String?) -> String? {
        guard let header, !header.isEmpty, header.utf8.count <= 128 else { return nil }
        let allowed = header.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
        return allowed ? header : nil
    }

    /// A new id: 32 lowercase hex digits. The first 16 are random per process, the last 16 a
    /// counter scrambled by a bijection, so ids never repeat within a process, do not collide across
    /// instances, and cost no system call.
    static func generate() -> String {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 32) { buffer in
            write(processPrefix, into: buffer, at: 0)
            write(scramble(sequence), into: buffer, at: 16)
            return 32
        }
    }

    private static let processPrefix: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()

    private static let counter = Atomic<UInt64>(0)

    /// SplitMix64's first output for the seed `value`: a bijection on 64 bits, so distinct counters
    /// give distinct values.
    static func scramble(_ value: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: value)
        return generator.next()
    }

    private static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var value = value
        for index in stride(from: offset + 15, through: offset, by: -1) {
            let digit = UInt8(value & 0xF)
            buffer[index] = digit < 10 ? 0x30 + digit : 0x57 + digit
            value >>= 4
        }
    }
}
