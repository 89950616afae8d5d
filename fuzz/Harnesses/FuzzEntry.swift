/// Runs a harness on libFuzzer's input and stops the process, naming what broke, when an invariant
/// does not hold: libFuzzer then saves the input as a crash.
public func fuzzEntry(_ data: UnsafePointer<UInt8>?, _ size: Int, _ harness: (UnsafeBufferPointer<UInt8>) -> [String]) -> CInt {
    let broken = harness(UnsafeBufferPointer(start: size == 0 ? nil : data, count: size))
    if !broken.isEmpty { fatalError(broken.joined(separator: "; ")) }
    return 0
}
