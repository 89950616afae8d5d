import CProcess
import CurlTransport
import Foundation
import Testing

/// The curl thread drives libcurl through its socket interface; these tests load it the way a slow
/// LiveVox does (many transfers in flight, answers spread over tens of milliseconds) and count what
/// happened with the transport's own counters, never with the wall clock.
@Suite("libcurl driven by its socket interface")
struct CurlSocketDriveTests {
    @Test("2,000 transfers, up to 1,000 in flight, answered after 1 to 50 ms: every one completes with its own body")
    func thousandsInFlight() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 1000, requestTimeout: .seconds(60)))
            let total = 2000, window = 1000
            let before = client.counters
            let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
                func launch(_ index: Int) {
                    group.addTask {
                        let delay = Int.random(in: 1...50)
                        let answer = try await client.execute(HTTPRequestSpec(url: server.url("/slow?ms=\(delay)&id=\(index)")))
                        return answer.status == 200 && answer.body == Array("slow \(index)".utf8)
                    }
                }
                for index in 0..<window { launch(index) }
                var next = window, mismatches = 0
                while let matched = try await group.next() {
                    if !matched { mismatches += 1 }
                    if next < total {
                        launch(next)
                        next += 1
                    }
                }
                return mismatches
            }
            #expect(mismatches == 0)
            let after = client.counters
            #expect(after.completedTransfers - before.completedTransfers == total)
            #expect(server.requestsReceived == total)
            #expect(client.load.inFlight == 0 && client.load.waiting == 0)
            await client.shutdown(gracePeriod: .seconds(1))
        }
    }

    @Test("Cancelling half of 400 transfers in flight fails exactly those as cancelled; the other half complete")
    func cancellationInFlight() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 400, requestTimeout: .seconds(60)))
            let tasks = (0..<400).map { index in
                Task { try await client.execute(HTTPRequestSpec(url: server.url("/slow?ms=\(index.isMultiple(of: 2) ? 30_000 : 1500)&id=\(index)"))) }
            }
            try await server.waitForRequests(400)
            #expect(client.load.inFlight == 400)
            for (index, task) in tasks.enumerated() where index.isMultiple(of: 2) { task.cancel() }
            var cancelled = 0, answered = 0
            for (index, task) in tasks.enumerated() {
                do {
                    let answer = try await task.value
                    #expect(!index.isMultiple(of: 2) && answer.body == Array("slow \(index)".utf8))
                    answered += 1
                } catch let error as CurlTransportError {
                    #expect(index.isMultiple(of: 2) && error.code == .cancelled && !error.requestNeverSent)
                    cancelled += 1
                }
            }
            #expect(cancelled == 200 && answered == 200)
            #expect(client.load.inFlight == 0)
            await client.shutdown(gracePeriod: .seconds(1))
        }
    }

    @Test("A shutdown with 300 transfers in flight fails each as shutdown, sent, and the thread stops")
    func shutdownInFlight() async throws {
        try await withTestHTTPServer { server in
            let client = try CurlHTTPClient(configuration: .init(maxConnectionsPerHost: 300, requestTimeout: .seconds(60)))
            let tasks = (0..<300).map { index in
                Task { try await client.execute(HTTPRequestSpec(url: server.url("/slow?ms=30000&id=\(index)"))) }
            }
            try await server.waitForRequests(300)
            await client.shutdown(gracePeriod: .milliseconds(50))
            var failures: [CurlTransportError.Code: Int] = [:]
            for task in tasks {
                do {
                    _ = try await task.value
                } catch let error as CurlTransportError {
                    #expect(!error.requestNeverSent)
                    failures[error.code, default: 0] += 1
                }
            }
            #expect(failures == [.shutdown: 300])
            #expect(client.counters.completedTransfers == 0, "none ended in libcurl: the drain cut them")
        }
    }

    @Test("A descriptor number closed and reused while the poller still held it is watched anew, not lost")
    func reusedDescriptor() throws {
        let poller = cprocess_poller_create()
        #expect(poller >= 0)
        defer { close(poller) }
        var first: [Int32] = [0, 0]
        #expect(pipe(&first) == 0)
        #expect(cprocess_poller_watch(poller, first[0], Int32(CPROCESS_POLL_IN)) == 0)
        // Closed without being unwatched: the kernel drops the registration, the number is free.
        close(first[0])
        var second: [Int32] = [0, 0]
        #expect(pipe(&second) == 0)
        defer { close(second[0]); close(second[1]); close(first[1]) }
        #expect(second[0] == first[0], "the lowest free number is reused")
        // The caller still believes the number is watched and only changes what for: that must work.
        #expect(cprocess_poller_watch(poller, second[0], Int32(CPROCESS_POLL_IN)) == 0)
        #expect(write(second[1], "x", 1) == 1)
        var fds = [Int32](repeating: -1, count: 4), events = [Int32](repeating: 0, count: 4)
        let count = cprocess_poller_wait(poller, &fds, &events, 4, 1000)
        #expect(count == 1)
        #expect(fds[0] == second[0] && events[0] == Int32(CPROCESS_POLL_IN))
        #expect(cprocess_poller_unwatch(poller, second[0]) == 0)
        #expect(cprocess_poller_unwatch(poller, second[0]) == ENOENT)
    }

    @Test("A ready socket is reported again until it is read (level-triggered): nothing is left undrained")
    func levelTriggered() throws {
        let poller = cprocess_poller_create()
        defer { close(poller) }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(cprocess_poller_watch(poller, ends[0], Int32(CPROCESS_POLL_IN)) == 0)
        #expect(write(ends[1], "xy", 2) == 2)
        var fds = [Int32](repeating: -1, count: 4), events = [Int32](repeating: 0, count: 4)
        #expect(cprocess_poller_wait(poller, &fds, &events, 4, 1000) == 1)
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 1)
        #expect(cprocess_poller_wait(poller, &fds, &events, 4, 0) == 1, "one byte is still unread")
        #expect(read(ends[0], &byte, 1) == 1)
        #expect(cprocess_poller_wait(poller, &fds, &events, 4, 0) == 0)
    }
}
