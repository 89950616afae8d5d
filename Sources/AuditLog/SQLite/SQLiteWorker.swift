import Dispatch
import Synchronization

/// Runs blocking SQLite work for one connection on its own serial dispatch queue, so no caller's
/// thread (and no Swift concurrency thread) ever blocks on SQLite.
///
/// `Context` is the connection and its prepared statements; jobs run one at a time, in order, each
/// with exclusive access to it.
final class SQLiteWorker<Context>: Sendable {
    private let queue: DispatchQueue
    private let context: Mutex<Context?>
    private let waiting = Atomic<Int>(0)
    private let closedDetail: String

    /// Takes ownership of `context`; `closedDetail` is the sentence jobs fail with after `close()`.
    init(label: String, context: consuming sending Context, closedDetail: String) {
        queue = DispatchQueue(label: label)
        self.context = Mutex(Optional(context))
        self.closedDetail = closedDetail
    }

    /// Jobs submitted and not yet finished.
    var load: Int { waiting.load(ordering: .relaxed) }

    /// Runs `job` on the worker's queue and returns its result.
    func run<Result: Sendable>(
        _ job: @escaping @Sendable (Context) throws(AuditStoreError) -> Result
    ) async throws(AuditStoreError) -> Result {
        waiting.add(1, ordering: .relaxed)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Swift.Result<Result, AuditStoreError>, Never>) in
            queue.async {
                let outcome = self.context.withLock { (context: inout Context?) -> Swift.Result<Result, AuditStoreError> in
                    guard let context else {
                        return .failure(AuditStoreError(code: .unavailable, detail: self.closedDetail))
                    }
                    do throws(AuditStoreError) {
                        return .success(try job(context))
                    } catch {
                        return .failure(error)
                    }
                }
                self.waiting.subtract(1, ordering: .relaxed)
                continuation.resume(returning: outcome)
            }
        }
        return try outcome.get()
    }

    /// Waits for the jobs already submitted, then releases the context (closing its connection).
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.context.withLock { $0 = nil }
                continuation.resume()
            }
        }
    }
}
