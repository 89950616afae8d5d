// `make bench`: `callgate check window` lines per CPU second on one core: the committed rules, the
// telemarketing profile, `PHONE,INSTANT` lines from a corpus file (bench/make_window_corpus.py) held
// in memory, JSONL and CSV reports written to a buffer that is emptied as `check` empties it.
//
// Usage: WindowCheckBench CORPUS
import CallGateCore
import CallingRulesYAML

#if canImport(Glibc)
import Glibc
#endif

func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

guard CommandLine.arguments.count == 2, let file = fopen(CommandLine.arguments[1], "rb") else {
    print("usage: WindowCheckBench CORPUS (lines PHONE,INSTANT)")
    exit(2)
}
var bytes: [UInt8] = []
var chunk = [UInt8](repeating: 0, count: 1 << 20)
while true {
    let count = fread(&chunk, 1, chunk.count, file)
    bytes.append(contentsOf: chunk[0..<count])
    if count < chunk.count { break }
}
fclose(file)
var lines: [Range<Int>] = []
var start = 0
for (index, byte) in bytes.enumerated() where byte == 0x0A {
    lines.append(start..<index)
    start = index + 1
}

let windows = CallingWindows(ruleSet: CallingRulesFile.builtIn)
print("`check window` on one core: \(lines.count) lines, committed rules, profile telemarketing")
print("| format | lines | CPU | lines per CPU second | output bytes |")
print("|---|---|---|---|---|")
for format in [CheckFormat.jsonl, .csv] {
    let checker = WindowCheck(format: format, windows: windows, policy: CallingPolicy(profile: .telemarketing), defaultAtEpochMillis: 0)
    var out: [UInt8] = []
    out.reserveCapacity(1 << 21)
    var written = 0
    let before = threadCPUSeconds()
    bytes.withUnsafeBufferPointer { buffer in
        for range in lines {
            checker.check(line: UnsafeBufferPointer(rebasing: buffer[range]), into: &out)
            if out.count > 1 << 20 {
                written += out.count
                out.removeAll(keepingCapacity: true)
            }
        }
    }
    let cpu = threadCPUSeconds() - before
    print("| \(format.rawValue) | \(lines.count) | \(Int(cpu * 1000)) ms | \(Int(Double(lines.count) / cpu)) /s | \(written + out.count) |")
}
