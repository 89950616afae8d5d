import CallGateHashing
import CallGateStorage
import Foundation
import Logging
import SQLiteStorage
import Testing

@testable import CallGate

@Suite("The audit witness")
struct AuditWitnessTests {
    static let keys = try! AuditKeys(secret: Array("an audit secret for the tests, 32+ bytes".utf8))
    /// 2026-12-07T20:01:02Z.
    static let now: Int64 = 1_796_673_662_000

    private static func record(_ index: Int) -> AuditRecord {
        AuditRecord(requestId: "req-\(index)", timeMillis: now + Int64(index), operation: "getQueueStats", method: "GET",
                    path: "/v1/services/21429/queue", outcome: .allowed, totalLatencyMicros: 20, responseStatus: 200)
    }

    /// A store in a temporary directory holding records 1 to 3, and where its witness keeps its
    /// file and key.
    private struct Setup {
        let directory: String
        let store: SQLiteAuditStore
        let file: WitnessFile
        let keyFile: String

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-witness-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try SQLiteAuditStore(path: directory + "/audit.sqlite", keys: AuditWitnessTests.keys)
            _ = try await store.append((1...3).map(AuditWitnessTests.record))
            file = WitnessFile(path: directory + "/audit.witness")
            keyFile = directory + "/audit-witness.key"
        }

        func witness() async throws -> AuditWitness {
            try await AuditWitness(store: store, keyFile: keyFile, file: file, logger: Logger(label: "test"),
                                   nowMillis: { AuditWitnessTests.now })
        }

        /// The sequences of the heads in the witness file.
        func sequences() throws -> [Int64] {
            try file.heads(publicKey: WitnessKey.load(path: keyFile).publicKey).map(\.sequence)
        }

        func close() async {
            await store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test("the head is signed when it moved, not while it stays, and once more at shutdown")
    func ticks() async throws {
        let setup = try await Setup()
        var witness = try await setup.witness()
        witness.interval = .milliseconds(10)
        let running = Task { [witness] in try await witness.run() }
        func waitFor(_ sequence: Int64) async throws {
            for _ in 0..<500 where (try? setup.sequences().last) != sequence {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await waitFor(3)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try setup.sequences() == [3])
        _ = try await setup.store.append((4...5).map(Self.record))
        try await waitFor(5)
        running.cancel()
        try await running.value
        #expect(try setup.sequences() == [3, 5, 5])
        let head = try await setup.store.chainHead()
        #expect(try setup.file.lastHead(publicKey: WitnessKey.load(path: setup.keyFile).publicKey)
            == WitnessHead(sequence: 5, hash: head.hash, timeMillis: Self.now))
        await setup.close()
    }

    @Test("a trail that ends before the witness's last head, or holds another record there, is reported at start")
    func startProblem() {
        let file = "data/audit.witness"
        let head = ChainAnchor(sequence: 3, hash: String(repeating: "0", count: 64))
        let advice = "Run `callgate audit verify --witness data/audit.witness`, and keep the store and the witness file as evidence; new records are numbered on from the trail's end."
        #expect(AuditWitness.startProblem(head: head, last: nil, file: file) == nil)
        #expect(AuditWitness.startProblem(head: head, last: WitnessHead(sequence: 3, hash: head.hash, timeMillis: Self.now), file: file) == nil)
        #expect(AuditWitness.startProblem(head: head, last: WitnessHead(sequence: 2, hash: "other", timeMillis: Self.now), file: file) == nil)
        #expect(AuditWitness.startProblem(head: head, last: WitnessHead(sequence: 3, hash: "other", timeMillis: Self.now), file: file)
            == "The audit trail's record 3 is not the one the witness (data/audit.witness) saw at 2026-12-07T20:01:02Z: its hash differs. \(advice)")
        #expect(AuditWitness.startProblem(head: head, last: WitnessHead(sequence: 4, hash: "other", timeMillis: Self.now), file: file)
            == "The audit trail ends at record 3, but the witness (data/audit.witness) saw it reach 4 at 2026-12-07T20:01:02Z: record 4 is missing. \(advice)")
        #expect(AuditWitness.startProblem(head: head, last: WitnessHead(sequence: 23, hash: "other", timeMillis: Self.now), file: file)
            == "The audit trail ends at record 3, but the witness (data/audit.witness) saw it reach 23 at 2026-12-07T20:01:02Z: records 4 to 23 are missing. \(advice)")
    }
}
