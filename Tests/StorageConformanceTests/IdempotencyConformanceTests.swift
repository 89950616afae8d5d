import CallGateStorage
import StorageTestSupport
import Testing

/// What every backend's idempotency store decides.
@Suite("Idempotency store conformance")
struct IdempotencyConformanceTests {
    static let day: Int64 = 86_400_000
    static let digest: [UInt8] = Array(repeating: 0xAB, count: 32)
    static let otherDigest: [UInt8] = Array(repeating: 0xCD, count: 32)
    static let response = StoredResponse(
        status: 202,
        headers: [.init(name: "Content-Type", value: "application/json"), .init(name: "Location", value: "/v1/calls/7")],
        body: Array(#"{"transactionId":7}"#.utf8) + [0]
    )

    @Test("a new key proceeds; the same request waits, then replays the kept response; another request is refused", arguments: Backend.all)
    func lifecycle(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        func begin(_ digest: [UInt8], principal: String = "crm", at now: Int64 = 1000) async throws -> IdempotencyBegin {
            try await store.idempotency.beginIdempotent(principal: principal, key: "key-1", requestDigest: digest, nowMillis: now, ttlMillis: Self.day)
        }
        #expect(try await begin(Self.digest) == .proceed)
        #expect(try await begin(Self.digest, at: 1001) == .inProgress)
        #expect(try await begin(Self.otherDigest, at: 1001) == .mismatch)
        // Keys are per principal.
        #expect(try await begin(Self.otherDigest, principal: "other-crm") == .proceed)
        try await store.idempotency.completeIdempotent(principal: "crm", key: "key-1", response: Self.response)
        #expect(try await begin(Self.digest, at: 2000) == .replay(Self.response))
        #expect(try await begin(Self.otherDigest, at: 2000) == .mismatch)
        #expect(try await begin(Self.otherDigest, principal: "other-crm", at: 2000) == .inProgress)
        let again = await #expect(throws: AuditStoreError.self) {
            try await store.idempotency.completeIdempotent(principal: "crm", key: "key-1", response: Self.response)
        }
        #expect(again == AuditStoreError(
            code: .conflict,
            detail: "The idempotency key key-1 of crm has no request in progress: it was completed, abandoned, or expired and taken again."
        ))
        await store.audit.close()
    }

    @Test("64 concurrent requests with one key: exactly one proceeds, the others are told it is in progress", arguments: Backend.all)
    func concurrentBegins(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        let decisions = try await withThrowingTaskGroup(of: IdempotencyBegin.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    try await store.idempotency.beginIdempotent(
                        principal: "crm", key: "same", requestDigest: Self.digest, nowMillis: 1000, ttlMillis: Self.day
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(decisions.filter { $0 == .proceed }.count == 1)
        #expect(decisions.filter { $0 == .inProgress }.count == 63)
        await store.audit.close()
    }

    @Test("an entry as old as the ttl counts as absent and is replaced by the next request", arguments: Backend.all)
    func expiry(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        func begin(_ digest: [UInt8], at now: Int64) async throws -> IdempotencyBegin {
            try await store.idempotency.beginIdempotent(principal: "crm", key: "k", requestDigest: digest, nowMillis: now, ttlMillis: 100)
        }
        #expect(try await begin(Self.digest, at: 1000) == .proceed)
        try await store.idempotency.completeIdempotent(principal: "crm", key: "k", response: Self.response)
        #expect(try await begin(Self.digest, at: 1099) == .replay(Self.response))
        #expect(try await begin(Self.otherDigest, at: 1100) == .proceed)
        #expect(try await begin(Self.digest, at: 1101) == .mismatch)
        #expect(try await begin(Self.otherDigest, at: 1101) == .inProgress)
        // A pending entry expires too.
        #expect(try await begin(Self.digest, at: 1200) == .proceed)
        await store.audit.close()
    }

    @Test("abandoning a pending key lets the request be retried; a completed key is kept", arguments: Backend.all)
    func abandon(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        func begin(at now: Int64) async throws -> IdempotencyBegin {
            try await store.idempotency.beginIdempotent(principal: "crm", key: "k", requestDigest: Self.digest, nowMillis: now, ttlMillis: Self.day)
        }
        #expect(try await begin(at: 1000) == .proceed)
        try await store.idempotency.abandonIdempotent(principal: "crm", key: "k")
        let abandoned = await #expect(throws: AuditStoreError.self) {
            try await store.idempotency.completeIdempotent(principal: "crm", key: "k", response: Self.response)
        }
        #expect(abandoned?.code == .conflict)
        #expect(try await begin(at: 1001) == .proceed)
        let empty = StoredResponse(status: 204, headers: [], body: [])
        try await store.idempotency.completeIdempotent(principal: "crm", key: "k", response: empty)
        try await store.idempotency.abandonIdempotent(principal: "crm", key: "k")
        #expect(try await begin(at: 1002) == .replay(empty))
        // Abandoning a key never used is harmless.
        try await store.idempotency.abandonIdempotent(principal: "crm", key: "never")
        await store.audit.close()
    }

    @Test("prune deletes the entries first used before the cutoff, pending or completed, and no others", arguments: Backend.all)
    func prune(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let store = try await backend.open(directory)
        for index in 1...5 {
            #expect(try await store.idempotency.beginIdempotent(
                principal: "crm", key: "k\(index)", requestDigest: Self.digest, nowMillis: Int64(index) * 100, ttlMillis: Self.day
            ) == .proceed)
        }
        try await store.idempotency.completeIdempotent(principal: "crm", key: "k1", response: Self.response)
        try await store.idempotency.completeIdempotent(principal: "crm", key: "k4", response: Self.response)
        #expect(try await store.idempotency.pruneIdempotency(olderThanMillis: 300) == 2)
        #expect(try await store.idempotency.pruneIdempotency(olderThanMillis: 300) == 0)
        var decisions: [IdempotencyBegin] = []
        for index in 1...5 {
            decisions.append(try await store.idempotency.beginIdempotent(
                principal: "crm", key: "k\(index)", requestDigest: Self.digest, nowMillis: 1000, ttlMillis: Self.day
            ))
        }
        #expect(decisions == [.proceed, .proceed, .inProgress, .replay(Self.response), .inProgress])
        await store.audit.close()
    }
}
