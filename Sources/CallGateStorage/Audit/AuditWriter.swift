import Synchronization

/// The group-commit writer: every request's audit record goes through it, and a request is
/// answered only once its record is committed.
///
/// Records wait in one queue; a single drain task takes everything queued, stores it with one
/// `append` (one transaction), acknowledges each record, and takes what arrived meanwhile. There is
/// no timer: a lone record on an idle writer is committed at once, and under load each commit
/// carries everything that queued up during the previous one, so throughput grows with load while
/// latency stays about one commit.
///
/// When an append fails, every record of that batch fails with the store's error (the gateway
/// answers 503) and `isHealthy` turns false until an append succeeds again.
///
/// A record may carry a webhook delivery (`record(_:delivery:)`): it is admitted to the outbox in
/// the transaction of its batch, so a delivery exists exactly when its intake's record does.
///
/// The drain task runs on the store's `writeExecutor` when it has one (the SQLite store's write
/// thread), so an append costs no thread hop. It lives until `shutdown()`, which must be called
/// (after the server stopped accepting requests) to commit what is queued; close the store after.
public final class AuditWriter: Sendable {
    private typealias Reply = UnsafeContinuation<Result<AuditAppended, AuditStoreError>, Never>

    /// Records queued for one commit, and their callers. Batches are handed back emptied
    /// (`State.spare`) and keep their capacity, so that queueing a record does not allocate.
    private struct Batch {
        var items: [AuditAppend] = []
        var replies: [Reply] = []

        var isEmpty: Bool { items.isEmpty }
    }

    private struct State {
        var queue = Batch()
        /// An emptied batch with its capacity, to queue into next.
        var spare: Batch?
        /// The drain task, parked while the queue is empty.
        var parkedDrainer: CheckedContinuation<Void, Never>?
        var drainTask: Task<Void, Never>?
        var isShutDown = false
        var commits = 0
        var failedCommits = 0
        var recordsWritten = 0
        var isHealthy = true
        var lastCommitDuration: Duration?
        var commitTime = Duration.zero
    }

    /// The store the records go to.
    public let store: any AuditStore
    private let state = Mutex(State())

    /// Starts a writer (and its drain task) in front of `store`.
    public init(store: any AuditStore) {
        self.store = store
        let task = Task(executorPreference: store.writeExecutor) { [self] in await self.drain() }
        state.withLock { $0.drainTask = task }
    }

    /// Queues `record` and returns it as stored (with its sequence and hash) once it is committed.
    ///
    /// Throws the store's error when the commit carrying it failed, or `unavailable` after
    /// `shutdown()`. Cancelling the calling task does not withdraw a queued record: the call still
    /// returns when it is committed, so an acknowledged request always has its record.
    public func record(_ record: AuditRecord) async throws(AuditStoreError) -> AuditRecord {
        try await submit(AuditAppend(PreparedAuditRecord(record))).stored(record)
    }

    /// Queues `record` and returns its place in the chain once it is committed: `record(_:)` for
    /// callers that need only to know it is stored. Throws as `record(_:)` does.
    public func append(_ record: AuditRecord) async throws(AuditStoreError) -> AuditAppended {
        try await submit(AuditAppend(PreparedAuditRecord(record)))
    }

    /// Queues `record` with the webhook `delivery` its request submitted, and returns the record
    /// as stored and the delivery's admission once both are committed, in one transaction.
    ///
    /// A `delivery` whose source already submitted its `webhookId` is not stored again: the
    /// admission is `duplicate`, with the delivery stored first, and the record is stored all the
    /// same. Throws as `record(_:)` does; then neither the record nor the delivery is stored.
    public func record(
        _ record: AuditRecord, delivery: NewDelivery
    ) async throws(AuditStoreError) -> (AuditRecord, DeliveryAdmission) {
        let stored = try await submit(AuditAppend(PreparedAuditRecord(record), delivery: delivery))
        guard let admission = stored.admission else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The audit store committed record \(stored.sequence) without admitting its delivery \(delivery.id)."
            )
        }
        return (stored.stored(record), admission)
    }

    /// Queues `record`, the audit record of an attempt of a delivery, with its `completion`, and
    /// returns the record as stored and the delivery as completed, both committed in one
    /// transaction (with whatever else the batch carries: no transaction of their own).
    ///
    /// Throws as `record(_:)` does, and `notFound` or `conflict` when the delivery is missing or
    /// not `sending`: then the record is stored and the delivery left as it was.
    public func record(
        _ record: AuditRecord, completing completion: DeliveryCompletion
    ) async throws(AuditStoreError) -> (AuditRecord, Delivery) {
        let stored = try await submit(AuditAppend(PreparedAuditRecord(record), completion: completion))
        guard let completed = stored.completed else {
            throw AuditStoreError(
                code: .corrupt,
                detail: "The audit store committed record \(stored.sequence) without completing delivery \(completion.deliveryId)."
            )
        }
        return (stored.stored(record), try completed.get())
    }

    /// Queues `item` (its record digested on the caller's thread, so the one drain task only
    /// chains and stores) and returns it as stored once committed.
    private func submit(_ item: AuditAppend) async throws(AuditStoreError) -> AuditAppended {
        // Each continuation is resumed exactly once: by `commit`/`fail`, or right here when refused.
        let result = await withUnsafeContinuation { (reply: Reply) in
            enum Admission {
                case queued
                case queuedAndWake(CheckedContinuation<Void, Never>)
                case refused
            }
            let admission = state.withLock { state -> Admission in
                guard !state.isShutDown else { return .refused }
                state.queue.items.append(item)
                state.queue.replies.append(reply)
                guard let drainer = state.parkedDrainer else { return .queued }
                state.parkedDrainer = nil
                return .queuedAndWake(drainer)
            }
            switch admission {
            case .queued:
                break
            case .queuedAndWake(let drainer):
                drainer.resume()
            case .refused:
                reply.resume(returning: .failure(AuditStoreError(
                    code: .unavailable, detail: "The audit writer is shut down; the record was not written."
                )))
            }
        }
        return try result.get()
    }

    /// Stops taking records, commits every record already queued, and returns when the last
    /// commit has finished. Later `record` calls throw `unavailable`.
    public func shutdown() async {
        let (task, drainer) = state.withLock { state in
            state.isShutDown = true
            defer { state.parkedDrainer = nil }
            return (state.drainTask, state.parkedDrainer)
        }
        drainer?.resume()
        await task?.value
    }

    /// False after a failed append, until an append succeeds again.
    public var isHealthy: Bool { state.withLock { $0.isHealthy } }
    /// Records waiting for the next commit (not counting the one running).
    public var queueDepth: Int { state.withLock { $0.queue.items.count } }
    /// Successful appends (transactions) so far.
    public var commits: Int { state.withLock { $0.commits } }
    /// Failed appends so far.
    public var failedCommits: Int { state.withLock { $0.failedCommits } }
    /// Records committed so far.
    public var recordsWritten: Int { state.withLock { $0.recordsWritten } }
    /// How long the last successful append took; nil before the first.
    public var lastCommitDuration: Duration? { state.withLock { $0.lastCommitDuration } }
    /// The time spent in appends so far, failed ones included: divided by the time elapsed, how
    /// busy the store is (near 1, records queue up and batches grow).
    public var commitTime: Duration { state.withLock { $0.commitTime } }

    private func drain() async {
        while var batch = await nextBatch() {
            await commit(batch)
            batch.items.removeAll(keepingCapacity: true)
            batch.replies.removeAll(keepingCapacity: true)
            state.withLock { $0.spare = batch }
            // Under constant load the loop never waits: let other work sharing the executor run
            // (with SQLite, the readiness probe and prunes share the write thread).
            await Task.yield()
        }
    }

    /// Everything queued, waiting for a record when there is none; nil once shut down and empty.
    private func nextBatch() async -> Batch? {
        enum Next {
            case batch(Batch)
            case finished
            case park
        }
        while true {
            let next = state.withLock { state -> Next in
                if !state.queue.isEmpty {
                    defer {
                        state.queue = state.spare ?? Batch()
                        state.spare = nil
                    }
                    return .batch(state.queue)
                }
                return state.isShutDown ? .finished : .park
            }
            switch next {
            case .batch(let batch):
                return batch
            case .finished:
                return nil
            case .park:
                await withCheckedContinuation { (drainer: CheckedContinuation<Void, Never>) in
                    let wakeNow = state.withLock { state -> Bool in
                        guard state.queue.isEmpty, !state.isShutDown else { return true }
                        state.parkedDrainer = drainer
                        return false
                    }
                    if wakeNow { drainer.resume() }
                }
            }
        }
    }

    private func commit(_ batch: Batch) async {
        let started = ContinuousClock.now
        let result: Result<[AuditAppended], AuditStoreError>
        do {
            result = .success(try await store.append(batch.items))
        } catch {
            result = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        state.withLock { $0.commitTime += elapsed }
        switch result {
        case .success(let stored) where stored.count == batch.items.count:
            state.withLock { state in
                state.commits += 1
                state.recordsWritten += stored.count
                state.isHealthy = true
                state.lastCommitDuration = elapsed
            }
            for (reply, appended) in zip(batch.replies, stored) {
                reply.resume(returning: .success(appended))
            }
        case .success(let stored):
            fail(batch, AuditStoreError(
                code: .corrupt,
                detail: "The audit store returned \(stored.count) records for a batch of \(batch.items.count); none of them is acknowledged."
            ))
        case .failure(let error):
            fail(batch, error)
        }
    }

    private func fail(_ batch: Batch, _ error: AuditStoreError) {
        state.withLock { state in
            state.failedCommits += 1
            state.isHealthy = false
        }
        for reply in batch.replies {
            reply.resume(returning: .failure(error))
        }
    }
}
