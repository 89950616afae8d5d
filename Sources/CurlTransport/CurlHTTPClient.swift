import CCurl
import Logging
import Synchronization

/// A generic async HTTP client over one libcurl multi handle driven by one dedicated thread.
///
/// Requests go to the curl thread through a mutex-protected inbox and a `curl_multi_wakeup`; the
/// thread starts as many as `Configuration.maxConcurrentTransfers` allows, keeps the rest waiting in
/// Swift with their deadlines running (urgent ones, `HTTPRequestSpec.isUrgent`, first), and resumes
/// each caller when its transfer completes.
/// Connections are kept alive and reused, HTTP/2 is used when an `https` upstream offers it, TLS
/// peers are always verified, redirects are never followed, and only `http` and `https` are spoken.
///
/// The thread starts in `init`; `shutdown(gracePeriod:)` (or `run()` as a `Service`) stops it.
public final class CurlHTTPClient: Sendable {
    /// The settings the client was made with.
    public let configuration: Configuration
    private let shared: CurlSharedState
    private let nextRequestID = Atomic<UInt64>(0)

    /// Creates the client and starts its curl thread.
    ///
    /// - Throws: `CurlTransportError` with code `invalidConfiguration` when a setting is unusable or
    ///   libcurl is older than 7.85.0, and `other` when libcurl or the system cannot provide a handle
    ///   or a thread.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "CurlTransport", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(CurlTransportError) {
        if let problem = configuration.problem() ?? CurlGlobal.problem {
            throw CurlTransportError(code: .invalidConfiguration, requestNeverSent: true, detail: problem)
        }
        guard let multi = curl_multi_init() else {
            throw CurlTransportError(code: .other, requestNeverSent: true, detail: "libcurl could not create a multi handle.")
        }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        _ = ccurl_multi_setopt_long(
            multi, CURLMOPT_MAXCONNECTS, max(configuration.maxCachedConnections, configuration.maxConnectionsPerHost))
        let shared = CurlSharedState(multi: MultiHandle(pointer: multi))
        self.configuration = configuration
        self.shared = shared
        let started = CurlThread.start {
            CurlEngine(shared: shared, configuration: configuration, logger: logger).run()
        }
        guard started else {
            _ = shared.markStopped()
            throw CurlTransportError(code: .other, requestNeverSent: true, detail: "The system could not start the curl thread.")
        }
    }

    deinit {
        // Nobody can call `execute` any more; stop the thread without a drain.
        shared.requestShutdown(deadline: .now, waiter: nil)
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// Cancelling the calling task removes the transfer at once and throws `cancelled`.
    public func execute(_ request: HTTPRequestSpec) async throws(CurlTransportError) -> HTTPResponseSpec {
        let id = nextRequestID.add(1, ordering: .relaxed).newValue
        let deadline = ContinuousClock.now.advanced(by: request.timeout ?? configuration.requestTimeout)
        let shared = self.shared
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>) in
                shared.submit(Submission(id: id, deadline: deadline, request: request, continuation: continuation))
            }
        } onCancel: {
            shared.cancel(id)
        }
        return try result.get()
    }

    /// How many transfers are running, and how many requests wait for a slot (in the queue, or
    /// handed over and not yet taken by the curl thread): for gauges, read whenever they are scraped.
    public var load: (inFlight: Int, waiting: Int) {
        let handedOver = shared.inbox.withLock { $0.submissions.count }
        return (shared.inFlight.load(ordering: .relaxed), shared.waiting.load(ordering: .relaxed) + handedOver)
    }

    /// Stops admitting requests, lets the ones already accepted finish for up to `gracePeriod`,
    /// then fails whatever remains with `shutdown` and stops the curl thread. Returns when the thread
    /// has let go of every transfer; calling it again, or concurrently, waits for the same end.
    public func shutdown(gracePeriod: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: gracePeriod)
        let shared = self.shared
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            shared.requestShutdown(deadline: deadline, waiter: waiter)
        }
    }
}

/// One request on its way to the curl thread.
struct Submission: Sendable {
    /// Unique per client; cancellations name it.
    var id: UInt64
    /// When the request's own timeout runs out, queueing included.
    var deadline: ContinuousClock.Instant
    /// What to send.
    var request: HTTPRequestSpec
    /// Where the result goes.
    var continuation: CheckedContinuation<Result<HTTPResponseSpec, CurlTransportError>, Never>
}

/// The curl multi handle, shared for wake-ups.
///
/// `@unchecked Sendable` because the pointer is used by the curl thread for everything and by other
/// threads only through `curl_multi_wakeup`, which libcurl documents as safe to call from any thread.
/// Those calls happen only under `CurlSharedState.inbox`'s lock while the thread has not stopped, and
/// the thread frees the handle under that same lock as it stops, so no wake-up can reach a freed handle.
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// What callers and the curl thread share: the inbox and the multi handle, under one mutex.
final class CurlSharedState: Sendable {
    /// Commands for the curl thread, taken by it in one batch per wake-up.
    struct Inbox: ~Copyable {
        let multi: MultiHandle
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        /// When set, the drain has begun and ends at this instant.
        var drainDeadline: ContinuousClock.Instant?
        /// Callers of `shutdown` waiting for the thread to end.
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        /// Whether a wake-up was sent that the curl thread has not consumed yet.
        var wakePending = false
        /// Whether the curl thread has ended and freed the multi handle.
        var stopped = false

        /// Makes the curl thread's `curl_multi_poll` return (or its next call return at once),
        /// unless a wake-up is already on its way: one wake-up per batch the thread takes.
        mutating func wakeUp() {
            guard !wakePending, !stopped else { return }
            wakePending = true
            _ = curl_multi_wakeup(multi.pointer)
        }
    }

    let inbox: Mutex<Inbox>
    /// The curl thread's transfers running and requests queued, as of its last turn.
    let inFlight = Atomic<Int>(0)
    let waiting = Atomic<Int>(0)

    init(multi: MultiHandle) { inbox = Mutex(Inbox(multi: multi)) }

    /// Queues a submission for the curl thread, or fails it at once when its task is already
    /// cancelled or the client is shutting down.
    func submit(_ submission: Submission) {
        // The cancellation check is inside the lock: `cancel` takes the same lock after the task's
        // cancelled flag is set, so a cancellation either is seen here or queues after this submission.
        let refusal: CurlTransportError? = inbox.withLock { inbox in
            if Task.isCancelled { return .cancelled(requestStarted: false) }
            if inbox.drainDeadline != nil || inbox.stopped { return .shutdown(requestStarted: false) }
            inbox.submissions.append(submission)
            inbox.wakeUp()
            return nil
        }
        if let refusal { submission.continuation.resume(returning: .failure(refusal)) }
    }

    /// Asks the curl thread to drop the request `id`, wherever it is.
    func cancel(_ id: UInt64) {
        inbox.withLock { inbox in
            guard !inbox.stopped else { return }
            inbox.cancellations.append(id)
            inbox.wakeUp()
        }
    }

    /// Starts (or shortens) the drain. `waiter`, if any, is resumed when the thread has ended, or
    /// at once if it already has.
    func requestShutdown(deadline: ContinuousClock.Instant, waiter: CheckedContinuation<Void, Never>?) {
        let stopped = inbox.withLock { inbox in
            if inbox.stopped { return true }
            inbox.drainDeadline = min(inbox.drainDeadline ?? deadline, deadline)
            if let waiter { inbox.shutdownWaiters.append(waiter) }
            inbox.wakeUp()
            return false
        }
        if stopped { waiter?.resume() }
    }

    /// Marks the curl thread as ended and frees the multi handle (closing every cached connection),
    /// under the lock so that no wake-up is in flight. Returns the submissions that arrived too late
    /// and the `shutdown` callers to resume.
    func markStopped() -> (late: [Submission], waiters: [CheckedContinuation<Void, Never>]) {
        inbox.withLock { inbox in
            inbox.stopped = true
            curl_multi_cleanup(inbox.multi.pointer)
            defer {
                inbox.submissions.removeAll()
                inbox.shutdownWaiters.removeAll()
            }
            return (inbox.submissions, inbox.shutdownWaiters)
        }
    }
}

/// Process-wide libcurl set-up, done once.
enum CurlGlobal {
    /// Why this process cannot use libcurl, or `nil`; the first read runs `curl_global_init`.
    static let problem: String? = {
        guard ccurl_global_init() == CURLE_OK else { return "curl_global_init failed." }
        guard let info = curl_version_info(CURLVERSION_TENTH), info.pointee.version_num >= 0x07_55_00 else {
            return "libcurl is older than 7.85.0, which this client needs (CURLOPT_PROTOCOLS_STR, CURLOPT_PREREQFUNCTION)."
        }
        return nil
    }()
}
