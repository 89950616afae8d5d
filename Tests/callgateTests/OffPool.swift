import Foundation

/// Runs `work`, which blocks (raw sockets, a subprocess, a sleep), on a thread of its own, so that
/// the suite's cooperative threads (two on two cores) stay free for the tests running beside this
/// one: a test blocking one of them for seconds starves in-process servers and clients into
/// timeouts. `work` returns what the test then checks: `#expect` belongs on the test's own task.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
