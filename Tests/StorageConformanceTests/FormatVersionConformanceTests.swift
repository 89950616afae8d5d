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
        // Formats 1 and 2 have no peer address; formats 3 and 4 have one, or null. Formats 1 to 3
        // have no calling-window decision; format 4 (current) has one, or null.
        let records = (0..<12).map { index in
            var record = Fixtures.record(index)
            record.formatVersion = index / 3 + 1
            if record.formatVersion < 3 { record.peerAddress = nil }
            if record.formatVersion < 4 { record.callingWindow = nil }
            return record
        }
        let stored = try await store.audit.append(records)
        #expect(stored.map(\.formatVersion) == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        #expect(stored.map(\.peerAddress) == [nil, nil, nil, nil, nil, nil, nil, "192.0.2.7", "192.0.2.8", nil, "192.0.2.10", "192.0.2.11"])
        // Fixture 9 is a queue-stats read, without a decision.
        #expect(stored.map { $0.callingWindow?.ruleIds } == Array(repeating: nil, count: 10) + [["US-FL-solicitation"], []])
        let read = try await store.audit.query(AuditQuery())
        #expect(read.records == stored.reversed())
        #expect(try await store.audit.verify() == AuditVerification(checked: 12, firstBad: nil, checkpointSequence: nil))
        await store.audit.close()
        let reopened = try await backend.open(directory)
        #expect(try await reopened.audit.query(AuditQuery()).records == stored.reversed())
        #expect(try await reopened.audit.verify().isIntact)
        await reopened.audit.close()
    }
}
