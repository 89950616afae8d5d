import Testing

@testable import CallGate

@Suite("Request ids")
struct RequestIDTests {
    @Test("New ids are 32 lowercase hex digits, share the process half and never repeat")
    func generated() {
        let ids = (0..<20_000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == ids.count)
        let hex = Set("0123456789abcdef".utf8)
        for id in ids.prefix(100) {
            #expect(id.utf8.count == 32)
            #expect(id.utf8.allSatisfy(hex.contains))
        }
        #expect(Set(ids.map { $0.prefix(16) }).count == 1)
        #expect(RequestID.accept(ids[0]) == ids[0])
    }

    @Test("The counter's scramble is a bijection on the values it meets")
    func scramble() {
        let values: [UInt64] = Array(0..<50_000) + [UInt64.max, UInt64.max - 1, 1 << 63]
        #expect(Set(values.map(RequestID.scramble)).count == values.count)
        #expect(RequestID.scramble(0) != 0)
    }

    @Test("A caller's id is kept only when safe to log and echo", arguments: [
        ("abc-123_DEF.4:5", true), ("", false), ("has space", false), ("quote\"", false),
        (String(repeating: "a", count: 128), true), (String(repeating: "a", count: 129), false),
    ])
    func accepted(header: String, kept: Bool) {
        #expect((RequestID.accept(header) != nil) == kept)
    }
}
