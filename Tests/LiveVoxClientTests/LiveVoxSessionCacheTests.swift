import Testing
@testable import LiveVoxClient

@Suite("LiveVoxSessionCache: the session published for calls that need no login")
struct LiveVoxSessionCacheTests {
    @Test("validSession is the session while it is valid, and nil before the first login, during a login, after a failed one and after take()")
    func publishedSession() async throws {
        let cache = LiveVoxSessionCache()
        #expect(cache.validSession() == nil)

        #expect(try await cache.sessionId(login: { .success("s1") }).get() == "s1")
        #expect(cache.validSession() == "s1")

        // A login in flight (the stale session being replaced) hides the old session at once.
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let replacing = Task { await cache.sessionId(replacing: "s1", login: { for await _ in gate { break }; return .success("s2") }) }
        var spins = 0
        while cache.validSession() != nil, spins < 100_000 { spins += 1; await Task.yield() }
        #expect(cache.validSession() == nil)
        opener.yield()
        #expect(try await replacing.value.get() == "s2")
        #expect(cache.validSession() == "s2")

        // Replacing a session that is no longer current returns the current one, without a login.
        #expect(try await cache.sessionId(replacing: "s1", login: { .success("unused") }).get() == "s2")
        #expect(cache.validSession() == "s2")

        #expect(await cache.take() == "s2")
        #expect(cache.validSession() == nil)

        let refused = await cache.sessionId(login: { .failure(LiveVoxError(code: .upstreamLoginFailed, operation: "login", attempts: 1)) })
        #expect(throws: LiveVoxError.self) { try refused.get() }
        #expect(cache.validSession() == nil)
    }
}
