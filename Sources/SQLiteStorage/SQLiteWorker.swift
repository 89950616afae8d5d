import CallGateStorage
import CProcess

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs blocking SQLite work for one connection on a thread of its own, so no caller's thread (and
/// no Swift concurrency thread) ever blocks on SQLite.
///
/// `Context` is the connection and its prepared statements; jobs run one at a time, in order, each
/// with exclusive access to it. The thread is also a task executor (`executor`): a task running on
/// it (the `AuditWriter`'s drain task) runs its jobs in place, without a thread hop.
final class SQLiteWorker<Context>: Sendable {
    private let thread: WorkerThread
    private let context: Mutex<Context?>
    private let waiting = Atomic<Int>(0)
    private let closedDetail: String

    /// Takes ownership of `context` and starts the thread (`label` names it in errors);
    /// `closedDetail` is the sentence jobs fail with after `close()`.
    init(label: String, context: consuming sending Context, closedDetail: String) throws(AuditStoreError) {
        thread = try WorkerThread(name: label)
        self.context = Mutex(Optional(context))
        self.closedDetail = closedDetail
    }

    deinit {
        thread.stop()
    }

    /// Runs tasks on the worker's thread, for as long as the worker lives (a task preferring it,
    /// the writer's drain task, holds the store and so the worker).
    var executor: any TaskExecutor { thread }

    /// Jobs submitted and not yet finished.
    var load: Int { waiting.load(ordering: .relaxed) }

    /// Runs `job` on the worker's thread and returns its result: in place when called from it,
    /// otherwise after the jobs already submitted.
    func run<Result: Sendable>(
        _ job: @escaping @Sendable (Context) throws(AuditStoreError) -> Result
    ) async throws(AuditStoreError) -> Result {
        if thread.isCurrent {
            return try perform(job).get()
        }
        waiting.add(1, ordering: .relaxed)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Swift.Result<Result, AuditStoreError>, Never>) in
            thread.submit {
                let outcome = self.perform(job)
                self.waiting.subtract(1, ordering: .relaxed)
                continuation.resume(returning: outcome)
            }
        }
        return try outcome.get()
    }

    /// Runs `job` on the worker's thread after the jobs already submitted, without waiting for it;
    /// a job submitted after `close()` does not run.
    func submit(_ job: @escaping @Sendable (Context) -> Void) {
        thread.submit {
            self.context.withLock { context in
                if let context { job(context) }
            }
        }
    }

    /// Waits for the jobs already submitted, then releases the context (closing its connection).
    /// The thread lives on, idle, until the worker is released: tasks may still run on it and
    /// learn that the store is closed.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            thread.submit {
                self.context.withLock { $0 = nil }
                continuation.resume()
            }
        }
    }

    private func perform<Result: Sendable>(
        _ job: (Context) throws(AuditStoreError) -> Result
    ) -> Swift.Result<Result, AuditStoreError> {
        context.withLock { (context: inout Context?) -> Swift.Result<Result, AuditStoreError> in
            guard let context else {
                return .failure(AuditStoreError(code: .unavailable, detail: closedDetail))
            }
            do throws(AuditStoreError) {
                return .success(try job(context))
            } catch {
                return .failure(error)
            }
        }
    }
}

/// One thread running submitted closures and enqueued tasks in order; also a task executor.
///
/// `@unchecked Sendable`: its only mutable state (`work`, `stopping`, `thread`) is read and written
/// with `mutex` held, and `condition` is only used with `mutex`.
final class WorkerThread: TaskExecutor, @unchecked Sendable {
    private enum Work {
        case closure(@Sendable () -> Void)
        case job(UnownedJob)
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var work: [Work] = []
    private var stopping = false
    private var thread: pthread_t?

    /// Starts the thread; throws `unavailable` when the system has no thread to give.
    init(name: String) throws(AuditStoreError) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        final class Body {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
        }
        let body = Unmanaged.passRetained(Body { [self] in
            WorkerThread.nameCurrentThread(name)
            loop()
        }).toOpaque()
        #if canImport(Darwin)
        var handle: pthread_t?
        let result = pthread_create(&handle, nil, { argument in
            Unmanaged<Body>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, body)
        #else
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<Body>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, body)
        #endif
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw AuditStoreError(code: .unavailable, detail: "The system refused a thread to the audit store (\(name)).")
        }
        #if canImport(Darwin)
        if let handle { pthread_detach(handle) }
        #else
        pthread_detach(handle)
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Names the calling thread (at most 15 bytes are kept), so that `top -H`, `perf` and `ps -L`
    /// show which of the store's threads is busy.
    static func nameCurrentThread(_ name: String) {
        #if canImport(Glibc)
        cprocess_name_current_thread(name)
        #endif
    }

    /// Whether the caller runs on this thread.
    var isCurrent: Bool {
        locked { thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    /// Runs `closure` on the thread after the work already submitted.
    func submit(_ closure: @escaping @Sendable () -> Void) {
        add(.closure(closure))
    }

    func enqueue(_ job: consuming ExecutorJob) {
        add(.job(UnownedJob(job)))
    }

    /// Ends the thread once the work already submitted is done.
    func stop() {
        locked { stopping = true }
        pthread_cond_signal(condition)
    }

    private func add(_ item: Work) {
        locked { work.append(item) }
        pthread_cond_signal(condition)
    }

    private func loop() {
        locked { thread = pthread_self() }
        while true {
            let batch: [Work]? = locked {
                while work.isEmpty, !stopping {
                    pthread_cond_wait(condition, mutex)
                }
                if work.isEmpty { return nil }
                defer { work.removeAll(keepingCapacity: true) }
                return work
            }
            guard let batch else { return }
            for item in batch {
                switch item {
                case .closure(let closure): closure()
                case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
        }
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
