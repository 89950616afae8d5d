import CallGateFuzz
import Foundation
import Testing

/// Every committed corpus file (seeds and the regressions the fuzzer found) through its harness,
/// in the ordinary debug build: no crash, no broken invariant.
@Suite("Fuzz corpus replay")
struct CorpusReplayTests {
    /// Each corpus folder under fuzz/corpus and the harness that reads it.
    static let harnesses: [String: @Sendable (UnsafeBufferPointer<UInt8>) -> [String]] = [
        "json": fuzzJSON, "phone": fuzzPhone, "datetime": fuzzDateTime, "webhook": fuzzWebhookHeaders,
        "auditfilters": fuzzAuditFilters, "connection": fuzzConnection,
    ]

    static let corpusRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/corpus")

    @Test("every corpus folder has a harness and every harness has seeds", arguments: harnesses.keys.sorted())
    func corpusIsThere(_ name: String) throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.path).sorted()
        #expect(folders == Self.harnesses.keys.sorted())
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.appendingPathComponent(name).path)
        #expect(files.count >= 20)
    }

    @Test("each corpus file keeps its harness's invariants", arguments: harnesses.keys.sorted())
    func replay(_ name: String) throws {
        let folder = Self.corpusRoot.appendingPathComponent(name)
        let harness = try #require(Self.harnesses[name])
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(file)))
            let broken = bytes.withUnsafeBufferPointer(harness)
            #expect(broken == [], "\(name)/\(file)")
        }
    }
}
