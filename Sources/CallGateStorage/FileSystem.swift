#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation that failed, with the sentence to show.
package struct FileSystemError: Error {
    package var detail: String

    package init(detail: String) {
        self.detail = detail
    }
}

/// The few POSIX file operations the audit log and the secret files need (no Foundation).
package enum FileSystem {
    /// The directory part of `path`: `.` for a bare name, `/` for a file at the root.
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = path[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }

    /// Creates `path` and its missing ancestors with `mode`; existing directories are left as they are.
    package static func createDirectories(_ path: String, mode: mode_t) throws(FileSystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, mode) != 0 {
                let code = errno
                var status = stat()
                guard code == EEXIST, stat(prefix, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                    throw FileSystemError(detail: "The directory \(prefix) could not be created: \(message(code)).")
                }
            }
            prefix += "/"
        }
    }

    /// The whole file, or nil when it does not exist.
    package static func readFile(_ path: String) throws(FileSystemError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw FileSystemError(detail: "The file \(path) could not be opened: \(message(code)).")
        }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return contents }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw FileSystemError(detail: "The file \(path) could not be read: \(message(code)).")
            }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    /// Creates `path` with `mode` and writes `contents` durably (fsync); returns false without
    /// touching anything when the file already exists.
    private static func createFile(_ path: String, contents: [UInt8], mode: mode_t) throws(FileSystemError) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return false }
            throw FileSystemError(detail: "The file \(path) could not be created: \(message(code)).")
        }
        defer { close(descriptor) }
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw FileSystemError(detail: "The file \(path) could not be written: \(message(code)).")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            throw FileSystemError(detail: "The file \(path) could not be flushed to disk: \(message(errno)).")
        }
        return true
    }

    /// Writes a secret file (a key, a secret) so that it is never readable by anyone but its owner
    /// and never seen half-written: missing parent directories are created with mode 0700, the
    /// bytes go to a temporary file opened with mode 0600, are flushed, moved to `path`, and the
    /// directory is flushed. With `replacing` the move is a rename over the file already there; without,
    /// a link, which never replaces a file another process created meanwhile: then nothing is
    /// written and the result is false.
    @discardableResult
    package static func writeSecretFile(_ path: String, bytes: [UInt8], replacing: Bool) throws(FileSystemError) -> Bool {
        let directory = parent(of: path)
        try createDirectories(directory, mode: 0o700)
        let temporary = "\(path).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        guard try createFile(temporary, contents: bytes, mode: 0o600) else {
            throw FileSystemError(detail: "The temporary file \(temporary) already exists.")
        }
        defer { unlink(temporary) }
        if replacing {
            guard rename(temporary, path) == 0 else {
                throw FileSystemError(detail: "The file \(path) could not be replaced: \(message(errno)).")
            }
        } else if link(temporary, path) != 0 {
            let code = errno
            guard code == EEXIST else {
                throw FileSystemError(detail: "The file \(path) could not be created: \(message(code)).")
            }
            return false
        }
        try syncDirectory(directory)
        return true
    }

    /// Flushes the directory `path` to disk, so that a file created or renamed in it survives a
    /// power loss.
    package static func syncDirectory(_ path: String) throws(FileSystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileSystemError(detail: "The directory \(path) could not be opened: \(message(errno)).")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw FileSystemError(detail: "The directory \(path) could not be flushed to disk: \(message(errno)).")
        }
    }

    /// Creates an empty file with `mode` when none exists, so files made later (by SQLite) next to
    /// it start from the same permissions.
    package static func touch(_ path: String, mode: mode_t) throws(FileSystemError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw FileSystemError(detail: "The file \(path) could not be created: \(message(errno)).")
        }
        close(descriptor)
    }

    /// The current wall-clock time in milliseconds since the Unix epoch.
    package static func nowMillis() -> Int64 {
        WallClock.nowNanos() / 1_000_000
    }

    /// The system's sentence for an `errno` value.
    package static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
