import CCurl
import Logging
import Synchronization

/// A generic async HTTP client over one libcurl multi handle driven by one dedicated thread.
///
/// Requests go to the curl thread through a mutex-protected inbox and a `curl_multi_wakeup`; the
/// thread starts as many as `Configuration.maxConcurrentTransfers` allows, keeps the rest waiting in
/// Swift with their deadlines running, and resumes each caller when its transfer completes.
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
            throw CurlTransportError(code: .other, requestNeverSent: true, detail: "The system could not start the curl thread.")
        }
    }

    deinit {
        // Nobody can call `execute` any more; stop the thread without a drain.
        if shared.requestShutdown(deadline: .now, waiter: nil) { shared.multi.wakeUp() }
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

    /// Stops admitting requests, lets the ones already accepted finish for up to `gracePeriod`,
    /// then fails whatever remains with `shutdown` and stops the curl thread. Returns when the thread
    /// has let go of every transfer; calling it again, or concurrently, waits for the same end.
    public func shutdown(gracePeriod: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: gracePeriod)
        let shared = self.shared
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            if shared.requestShutdown(deadline: deadline, waiter: waiter) { shared.multi.wakeUp() }
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
/// threads only through `curl_multi_wakeup`, which libcurl documents as safe to call from any thread
/// at any time; `CurlSharedState.deinit` frees it only when no thread can reach it any more.
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    /// Makes the curl thread's `curl_multi_poll` return now (or its next call return at once).
    func wakeUp() { _ = curl_multi_wakeup(pointer) }
}

/// What callers and the curl thread share: the inbox under a mutex, and the multi handle.
final class CurlSharedState: Sendable {
    /// Commands for the curl thread, taken by it in one batch per wake-up.
    struct Inbox {
        var submissions: [Submission] = []
        var cancellations: [UInt64] = []
        /// When set, the drain has begun and ends at this instant.
        var drainDeadline: ContinuousClock.Instant?
        /// Callers of `shutdown` waiting for the thread to end.
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        /// Whether a wake-up was sent that the curl thread has not consumed yet.
        var wakePending = false
        /// Whether the curl thread has ended.
        var stopped = false

        /// Marks a wake-up as needed unless one is already on its way.
        mutating func needsWakeUp() -> Bool {
            defer { wakePending = true }
            return !wakePending
        }
    }

    let multi: MultiHandle
    let inbox = Mutex(Inbox())

    init(multi: MultiHandle) { self.multi = multi }

    deinit { curl_multi_cleanup(multi.pointer) }

    /// Queues a submission for the curl thread, or fails it at once when its task is already
    /// cancelled or the client is shutting down.
    func submit(_ submission: Submission) {
        // The cancellation check is inside the lock: `cancel` takes the same lock after the task's
        // cancelled flag is set, so a cancellation either is seen here or queues after this submission.
        let outcome: (wake: Bool, refusal: CurlTransportError?) = inbox.withLock { inbox in
            if Task.isCancelled { return (false, .cancelled(requestStarted: false)) }
            if inbox.drainDeadline != nil || inbox.stopped { return (false, .shutdown(requestStarted: false)) }
            inbox.submissions.append(submission)
            return (inbox.needsWakeUp(), nil)
        }
        if let refusal = outcome.refusal {
            submission.continuation.resume(returning: .failure(refusal))
        } else if outcome.wake {
            multi.wakeUp()
        }
    }

    /// Asks the curl thread to drop the request `id`, wherever it is.
    func cancel(_ id: UInt64) {
        let wake = inbox.withLock { inbox in
            guard !inbox.stopped else { return false }
            inbox.cancellations.append(id)
            return inbox.needsWakeUp()
        }
        if wake { multi.wakeUp() }
    }

    /// Starts (or shortens) the drain; returns whether the thread must be woken. When the thread has
    /// already ended, resumes `waiter` at once.
    func requestShutdown(deadline: ContinuousClock.Instant, waiter: CheckedContinuation<Void, Never>?) -> Bool {
        let outcome: (wake: Bool, resumeNow: Bool) = inbox.withLock { inbox in
            if inbox.stopped { return (false, true) }
            inbox.drainDeadline = min(inbox.drainDeadline ?? deadline, deadline)
            if let waiter { inbox.shutdownWaiters.append(waiter) }
            return (inbox.needsWakeUp(), false)
        }
        if outcome.resumeNow { waiter?.resume() }
        return outcome.wake
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
