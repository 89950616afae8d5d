#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams lines from a file descriptor to a handler and the handler's output to another, in
/// large chunks: memory stays flat however long the input is, and order is preserved.
struct LineStream {
    /// Bytes read per `read(2)` and the output size that triggers a `write(2)`.
    static let chunkSize = 1 << 20

    let input: Int32
    let output: Int32
    /// Whether to show a progress line on stderr (only when stderr is a terminal).
    let showsProgress: Bool

    init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
        self.showsProgress = isatty(STDERR_FILENO) == 1
    }

    /// Calls `handle` for every line (without `\n` or a trailing `\r`), appending to the output
    /// buffer it is given. Returns the tallies. A final line without a line break counts.
    func run(
        preamble: [UInt8] = [],
        _ handle: (UnsafeBufferPointer<UInt8>, inout [UInt8]) -> Bool
    ) throws(LineStreamError) -> Tally {
        var tally = Tally()
        var out = preamble
        out.reserveCapacity(Self.chunkSize + 4096)
        var pending: [UInt8] = []
        let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.chunkSize)
        defer { chunk.deallocate() }
        var progress = ProgressLine(enabled: showsProgress)

        func emit(_ line: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
            var line = line
            if let last = line.last, last == 0x0D { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
            if handle(line, &out) { tally.valid += 1 } else { tally.invalid += 1 }
        }

        while true {
            let count = read(input, chunk.baseAddress, Self.chunkSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw .read(errno)
            }
            if count == 0 { break }
            let bytes = UnsafeBufferPointer(rebasing: chunk[0..<count])
            var start = 0
            while let newline = bytes[start...].firstIndex(of: 0x0A) {
                if pending.isEmpty {
                    emit(UnsafeBufferPointer(rebasing: bytes[start..<newline]), &out)
                } else {
                    pending.append(contentsOf: bytes[start..<newline])
                    pending.withUnsafeBufferPointer { emit($0, &out) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
                if out.count >= Self.chunkSize {
                    try flush(&out)
                    progress.update(tally)
                }
            }
            pending.append(contentsOf: bytes[start...])
        }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { emit($0, &out) } }
        try flush(&out)
        progress.finish(tally)
        return tally
    }

    /// Writes and empties `out`.
    func flush(_ out: inout [UInt8]) throws(LineStreamError) {
        var written = 0
        while written < out.count {
            let result = out.withUnsafeBytes { write(output, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .write(errno)
            }
            written += result
        }
        out.removeAll(keepingCapacity: true)
    }

    /// How many lines were valid and invalid.
    struct Tally {
        var valid = 0
        var invalid = 0
        var total: Int { valid + invalid }
    }
}

/// A failed `read(2)` or `write(2)`, with its errno.
enum LineStreamError: Error, CustomStringConvertible {
    case read(Int32)
    case write(Int32)

    var description: String {
        switch self {
        case .read(let code): "Could not read the input: \(String(cString: strerror(code)))."
        case .write(let code): "Could not write the output: \(String(cString: strerror(code)))."
        }
    }
}

/// A one-line progress report on stderr, redrawn at most four times a second.
struct ProgressLine {
    let enabled: Bool
    private var lastDraw: UInt64 = 0

    init(enabled: Bool) { self.enabled = enabled }

    mutating func update(_ tally: LineStream.Tally) {
        guard enabled else { return }
        let now = Self.monotonicNanoseconds()
        guard now - lastDraw >= 250_000_000 else { return }
        lastDraw = now
        FileHandleStream.standardError.write("\r\u{1B}[Kchecked \(tally.total) lines: \(tally.valid) valid, \(tally.invalid) invalid")
    }

    func finish(_ tally: LineStream.Tally) {
        guard enabled else { return }
        FileHandleStream.standardError.write("\r\u{1B}[Kchecked \(tally.total) lines: \(tally.valid) valid, \(tally.invalid) invalid\n")
    }

    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// Unbuffered text output to a file descriptor, for messages on stderr.
struct FileHandleStream: TextOutputStream {
    let descriptor: Int32
    static let standardError = FileHandleStream(descriptor: STDERR_FILENO)

    func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let result = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if result <= 0 { return }
                offset += result
            }
        }
    }
}
