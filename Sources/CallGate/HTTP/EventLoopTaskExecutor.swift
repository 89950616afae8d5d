import NIOCore
import Synchronization

/// Runs a task's jobs on one NIO event loop: the connection's own.
///
/// A request that waits for LiveVox is resumed by the curl thread. Without a preference, Swift sends
/// that resumption to the global executor's threads, from which the answer must hop again to the
/// connection's event loop to be written. With the connection's loop as the task's executor
/// preference, the curl thread hands the resumption straight to that loop, and the pipeline, the
/// client and the write of the answer all run there: one thread hop each way, no third thread woken.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// One executor per event loop, made on first use and kept (a process has a handful of loops).
    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// The executor of `eventLoop`.
    static func of(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return executors.withLock { executors in
            if let executor = executors[key] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            executors[key] = executor
            return executor
        }
    }
}
