import CallGateHashing

/// HMAC-SHA256 under the chain key: the record chain's hash, and the pruning checkpoint's MAC.
struct ChainMAC: Sendable {
    private let mac: PreparedHMAC

    init(key: [UInt8]) {
        mac = PreparedHMAC(key: key)
    }

    /// Lowercase hex HMAC of `text`'s UTF-8, "|", the decimal `sequence`, "|" and `digest`.
    func authenticate(_ text: String, sequence: Int64, _ digest: SHA256Bytes) -> String {
        var running = mac.start()
        running.update(utf8: text)
        // "|", the decimal sequence, "|": written into a stack buffer, not formatted as a String.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var end = buffer.count
            buffer[end - 1] = UInt8(ascii: "|")
            end -= 1
            var magnitude = sequence.magnitude
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if sequence < 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "-")
            }
            end -= 1
            buffer[end] = UInt8(ascii: "|")
            running.update(bytes: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[end...])))
        }
        digest.withUnsafeBytes { running.update(bytes: $0) }
        return running.finalize().hex
    }

    /// Lowercase hex HMAC of `text`'s UTF-8.
    func authenticate(_ text: String) -> String {
        var running = mac.start()
        running.update(utf8: text)
        return running.finalize().hex
    }
}
