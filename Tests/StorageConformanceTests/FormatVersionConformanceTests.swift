import CallGateStorage
import StorageTestSupport
import Testing

/// Records of every known format side by side in one chain.
@Suite("Record format conformance")
struct FormatVersionConformanceTests {
    @Test("records of each known format are stored, read back in their format and verified, after a restart too",
          arguments: Backend.all)
    func mixedFormats(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        // Formats 1 and 2 have no peer address; format 3 (current) has one, or null.
        let records = (0..<9).map { index in
            var record = Fixtures.record(index)
            record.formatVersion = index / 3 + 1
            if record.formatVersion < 3 { record.peerAddress = nil }
            return record
        }
        let stored = try await store.audit.append(records)
        #expect(stored.map(\.formatVersion) == [1, 1, 1, 2, 2, 2, 3, 3, 3])
        #expect(stored.map(\.peerAddress) == [nil, nil, nil, nil, nil, nil, nil, "192.0.2.7", "192.0.2.8"])
        let read = try await store.audit.query(AuditQuery())
        #expect(read.records == stored.reversed())
        #expect(try await store.audit.verify() == AuditVerification(checked: 9, firstBad: nil, checkpointSequence: nil))
        await store.audit.close()
        let reopened = try await backend.open(directory)
        #expect(try await reopened.audit.query(AuditQuery()).records == stored.reversed())
        #expect(try await reopened.audit.verify().isIntact)
        await reopened.audit.close()
    }
}
