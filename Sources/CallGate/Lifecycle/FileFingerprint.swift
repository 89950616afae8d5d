import CallGateHashing
import Foundation

/// What tells that a file CallGate reads changed: the file its path leads to now (device and
/// inode, after following symbolic links) and a SHA-256 of its content. Kubernetes updates a
/// mounted secret by re-pointing a `..data` symbolic link, and an editor or `cp` may rewrite a
/// file in place within one second and at the same size, so neither the link's own times nor
/// the file's modification time and size are enough.
struct FileFingerprint: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
    let digest: SHA256Bytes

    /// The fingerprint of what `path` leads to; `nil` when it cannot be opened or read now (absent,
    /// a dangling link, no permission), which is itself a state a later change is compared with.
    static func of(_ path: String) -> FileFingerprint? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The identity of the file opened, so that identity and content describe the same file.
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        var hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return FileFingerprint(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), digest: hasher.finalize())
    }
}
