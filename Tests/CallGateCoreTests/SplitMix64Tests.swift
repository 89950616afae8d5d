import Testing

import CallGateCore

@Suite("SplitMix64")
struct SplitMix64Tests {
    @Test("Seed 0 gives the reference implementation's first outputs")
    func referenceOutputs() {
        var generator = SplitMix64(seed: 0)
        #expect([generator.next(), generator.next(), generator.next()]
                == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    @Test("The same seed gives the same sequence, another seed another one")
    func reproducible() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        var c = SplitMix64(seed: 43)
        let first = (0..<8).map { _ in a.next() }
        #expect((0..<8).map { _ in b.next() } == first)
        #expect((0..<8).map { _ in c.next() } != first)
    }
}
