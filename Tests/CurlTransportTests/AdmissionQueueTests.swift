import Testing
@testable import CurlTransport

@Suite("The admission queue keeps waiting requests in order with their deadlines")
struct AdmissionQueueTests {
    let start = ContinuousClock.now

    func queue(deadlinesInSeconds: [Int]) -> AdmissionQueue<String> {
        var queue = AdmissionQueue<String>()
        for (index, seconds) in deadlinesInSeconds.enumerated() {
            queue.append(id: UInt64(index), deadline: start + .seconds(seconds), element: "r\(index)")
        }
        return queue
    }

    @Test("Requests leave in the order they arrived")
    func firstInFirstOut() {
        var queue = queue(deadlinesInSeconds: [5, 1, 3])
        #expect(queue.popFirst()?.element == "r0")
        #expect(queue.popFirst()?.element == "r1")
        #expect(queue.popFirst()?.element == "r2")
        #expect(queue.popFirst() == nil)
        #expect(queue.isEmpty)
    }

    @Test("A cancelled request is removed from the middle and the others keep their order")
    func removeFromMiddle() {
        var queue = queue(deadlinesInSeconds: [5, 5, 5])
        #expect(queue.remove(id: 1)?.element == "r1")
        #expect(queue.remove(id: 1) == nil)
        #expect(queue.count == 2)
        #expect(queue.popFirst()?.element == "r0")
        #expect(queue.popFirst()?.element == "r2")
    }

    @Test("Only the requests whose deadline passed expire, and the earliest deadline moves on")
    func expiry() {
        var queue = queue(deadlinesInSeconds: [5, 1, 3, 1])
        #expect(queue.earliestDeadline == start + .seconds(1))
        #expect(queue.removeExpired(now: start).isEmpty)
        #expect(queue.removeExpired(now: start + .seconds(2)).map(\.element) == ["r1", "r3"])
        #expect(queue.earliestDeadline == start + .seconds(3))
        #expect(queue.count == 2)
        #expect(queue.removeAll().map(\.element) == ["r0", "r2"])
        #expect(queue.isEmpty)
    }

    @Test("Thousands of requests through the queue keep their order across compaction")
    func compaction() {
        var queue = AdmissionQueue<Int>()
        var popped: [Int] = []
        for index in 0..<5000 {
            queue.append(id: UInt64(index), deadline: start + .seconds(60), element: index)
            if index % 3 == 0, let entry = queue.popFirst() { popped.append(entry.element) }
        }
        while let entry = queue.popFirst() { popped.append(entry.element) }
        #expect(popped == Array(0..<5000))
    }
}
