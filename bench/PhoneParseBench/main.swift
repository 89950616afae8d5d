// PhoneParseBench: throughput of PhoneNumber.parse on one core over a realistic mix of CRM inputs.
// Build and run (release): swift run -c release PhoneParseBench [parses]
// Prints one table row per API variant: parses, wall and thread CPU time, parses per CPU second.
import CallGateCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPU time of this thread in seconds: the machine may be shared, wall time alone would mislead.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// 4,096 inputs: about 85% valid numbers in common CRM styles, the rest refusals of every kind.
func corpus() -> [String] {
    // Seeded, so that every run parses the same inputs.
    var rng = SplitMix64(seed: 42)
    let areaCodes = ["212", "415", "312", "713", "305", "416", "604", "787", "800", "888", "907", "808", "671", "340"]
    var inputs: [String] = []
    for _ in 0..<4096 {
        let npa = areaCodes.randomElement(using: &rng)!
        let nxx = String(Int.random(in: 200...999, using: &rng))
        var line = String(Int.random(in: 0...9999, using: &rng))
        line = String(repeating: "0", count: 4 - line.count) + line
        switch Int.random(in: 0..<20, using: &rng) {
        case 0...3: inputs.append("(\(npa)) \(nxx)-\(line)")
        case 4...6: inputs.append("\(npa)-\(nxx)-\(line)")
        case 7...9: inputs.append("\(npa)\(nxx)\(line)")
        case 10...11: inputs.append("+1\(npa)\(nxx)\(line)")
        case 12: inputs.append("+1 \(npa) \(nxx) \(line)")
        case 13: inputs.append("1-\(npa)-\(nxx)-\(line)")
        case 14: inputs.append("\(npa).\(nxx).\(line)")
        case 15: inputs.append("1-800-FLOWERS")
        case 16: inputs.append("\(npa)-055-\(line)")        // invalid exchange
        case 17: inputs.append("876-\(nxx)-\(line)")       // Jamaica: unsupported region
        case 18: inputs.append("\(npa) \(nxx) \(line) x5")  // extension
        default: inputs.append("\(npa)\(nxx)")             // too short
        }
    }
    return inputs
}

func measure(_ name: String, parses: Int, _ body: () -> Int) {
    let clock = ContinuousClock()
    var checksum = 0
    let cpuStart = threadCPUSeconds()
    let elapsed = clock.measure { checksum = body() }
    let cpu = threadCPUSeconds() - cpuStart
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("| \(name) | \(parses) | \(Int(wall * 1000)) ms | \(Int(cpu * 1000)) ms | \(Int(Double(parses) / cpu)) /s | \(checksum) |")
}

let parses = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 10_000_000 : 10_000_000
let inputs = corpus()
let validShare = inputs.filter { (try? PhoneNumber.parse($0)) != nil }.count * 100 / inputs.count
print("PhoneNumber.parse throughput, one core, \(inputs.count) distinct inputs, \(validShare)% valid")
print("| API | parses | wall | CPU | parses per CPU second | checksum |")
print("|---|---|---|---|---|---|")

measure("parse(_: String, allowedRegions: Set)", parses: parses) {
    var sum = 0
    for index in 0..<parses {
        if let number = try? PhoneNumber.parse(inputs[index & 4095]) { sum &+= Int(number.nationalNumber & 0xFF) }
    }
    return sum
}

let allowed = PhoneRegionSet.defaultAllowed
measure("parse(_: String, allowed: PhoneRegionSet)", parses: parses) {
    var sum = 0
    for index in 0..<parses {
        if let number = try? PhoneNumber.parse(inputs[index & 4095], allowed: allowed) { sum &+= Int(number.nationalNumber & 0xFF) }
    }
    return sum
}

let buffers: [[UInt8]] = inputs.map { Array($0.utf8) }
measure("parse(utf8:allowed:) + writeE164", parses: parses) {
    var sum = 0
    var out: [UInt8] = []
    out.reserveCapacity(16)
    for index in 0..<parses {
        buffers[index & 4095].withUnsafeBufferPointer { bytes in
            if let number = try? PhoneNumber.parse(utf8: bytes, allowed: allowed) {
                out.removeAll(keepingCapacity: true)
                number.writeE164(into: &out)
                sum &+= Int(out[11])
            }
        }
    }
    return sum
}
