#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The witness file: one signed head a line (`WitnessLine`), appended and flushed one at a time,
/// and rotated by size: when a line would take the file past `rotationBytes`, the file becomes
/// `PATH.1` (replacing the one before) and a new file starts.
public struct WitnessFile: Sendable {
    /// The size past which the file is rotated, by default.
    public static let defaultRotationBytes = 16 << 20

    /// The file.
    public let path: String
    /// The size past which the file is rotated.
    public let rotationBytes: Int

    /// The witness file at `path`.
    public init(path: String, rotationBytes: Int = WitnessFile.defaultRotationBytes) {
        self.path = path
        self.rotationBytes = rotationBytes
    }

    /// The witness file's name beside the store's file, when no path is given.
    public static let defaultName = "audit.witness"

    /// The file named `name` in the directory of the store's file (`data/` for a PostgreSQL store):
    /// where the witness file and key are kept unless their paths are given. Throws `invalidURL`
    /// for a malformed store URL.
    public static func path(named name: String, besideStore url: String) throws(AuditStoreError) -> String {
        switch try AuditStoreURL.parse(url) {
        case .sqlite(let path):
            FileSystem.parent(of: path) + "/" + name
        case .postgres:
            // The witness must stay outside the database it vouches for: the instance's own disk.
            "data/" + name
        }
    }

    /// The file the current one becomes when it is rotated.
    public var previousPath: String { path + ".1" }

    /// Appends `line` and a line feed in one write, and flushes it to disk; rotates first when the
    /// line would take the file past `rotationBytes`. Creates the file (mode 0600) and its missing
    /// directories (mode 0700).
    public func append(_ line: WitnessLine) throws(AuditStoreError) {
        let bytes = Array((line.text + "\n").utf8)
        do throws(FileSystemError) {
            let directory = FileSystem.parent(of: path)
            try FileSystem.createDirectories(directory, mode: 0o700)
            var status = stat()
            if stat(path, &status) == 0, status.st_size > 0, Int(status.st_size) + bytes.count > rotationBytes {
                guard rename(path, previousPath) == 0 else {
                    throw FileSystemError(detail: "The witness file \(path) could not be rotated to \(previousPath): \(FileSystem.message(errno)).")
                }
                try FileSystem.syncDirectory(directory)
            }
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw FileSystemError(detail: "The witness file \(path) could not be opened: \(FileSystem.message(errno)).")
            }
            defer { close(descriptor) }
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                throw FileSystemError(detail: "The witness file \(path) could not be written: \(FileSystem.message(errno)).")
            }
            guard fsync(descriptor) == 0 else {
                throw FileSystemError(detail: "The witness file \(path) could not be flushed to disk: \(FileSystem.message(errno)).")
            }
        } catch {
            throw AuditStoreError(code: .unavailable, detail: error.detail)
        }
    }

    /// The heads of `PATH.1` (when it exists) and then of `path`, in file order, each line's
    /// signature checked against `publicKey`.
    ///
    /// Throws `unavailable` when `path` does not exist or cannot be read, and `corrupt` naming the
    /// file and line of the first line that is malformed or not signed by the witness key. A last
    /// line without its line feed is a write a crash cut short, and is skipped.
    public func heads(publicKey: [UInt8]) throws(AuditStoreError) -> [WitnessHead] {
        var heads: [WitnessHead] = []
        for file in [previousPath, path] {
            guard let lines = try Self.lines(of: file) else {
                if file == path {
                    throw AuditStoreError(code: .unavailable, detail: "The witness file \(file) does not exist.")
                }
                continue
            }
            for (index, text) in lines.enumerated() where !text.allSatisfy(\.isWhitespace) {
                heads.append(try Self.head(text, line: index + 1, of: file, publicKey: publicKey))
            }
        }
        return heads
    }

    /// The last head written (of `path`, or of `PATH.1` when `path` holds none), its signature
    /// checked; nil when neither file holds one. Throws as `heads(publicKey:)` does, except that
    /// missing files are no error.
    public func lastHead(publicKey: [UInt8]) throws(AuditStoreError) -> WitnessHead? {
        for file in [path, previousPath] {
            guard let lines = try Self.lines(of: file),
                  let index = lines.lastIndex(where: { !$0.allSatisfy(\.isWhitespace) }) else { continue }
            return try Self.head(lines[index], line: index + 1, of: file, publicKey: publicKey)
        }
        return nil
    }

    /// The complete lines of `file` (a last line without its line feed, a write a crash cut short,
    /// left out); nil when the file does not exist.
    private static func lines(of file: String) throws(AuditStoreError) -> [Substring]? {
        let contents: [UInt8]?
        do throws(FileSystemError) {
            contents = try FileSystem.readFile(file)
        } catch {
            throw AuditStoreError(code: .unavailable, detail: error.detail)
        }
        guard let contents else { return nil }
        var lines = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        // The empty piece after the last line feed, or the line a crash cut short.
        lines.removeLast()
        return lines
    }

    /// The head of line number `line` of `file`, which must be a line signed with `publicKey`.
    private static func head(_ text: Substring, line: Int, of file: String, publicKey: [UInt8]) throws(AuditStoreError) -> WitnessHead {
        guard let parsed = WitnessLine.parse(text) else {
            throw AuditStoreError(code: .corrupt, detail: "Line \(line) of the witness file \(file) is not a signed head: it was altered.")
        }
        guard parsed.isSigned(by: publicKey) else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "Line \(line) of the witness file \(file) (record \(parsed.head.sequence)) is not signed by the witness key: it was forged or altered."
            )
        }
        return parsed.head
    }
}
