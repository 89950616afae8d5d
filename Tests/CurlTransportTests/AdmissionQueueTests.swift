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

    @Test("Urgent requests leave before all the others, in the order they arrived")
    func urgentFirst() {
        var queue = queue(deadlinesInSeconds: [5, 5])
        queue.append(id: 10, deadline: start + .seconds(5), element: "u0", urgent: true)
        queue.append(id: 2, deadline: start + .seconds(5), element: "r2")
        queue.append(id: 11, deadline: start + .seconds(5), element: "u1", urgent: true)
        #expect(queue.count == 5)
        #expect(queue.popFirst()?.element == "u0")
        // A later urgent request still goes ahead of the ones that waited longer.
        queue.append(id: 12, deadline: start + .seconds(5), element: "u2", urgent: true)
        #expect((0..<5).compactMap { _ in queue.popFirst()?.element } == ["u1", "u2", "r0", "r1", "r2"])
        #expect(queue.isEmpty)
    }

    @Test("Urgent requests are removed, expired and drained like the others, urgent ones first")
    func urgentRemovalAndExpiry() {
        var queue = queue(deadlinesInSeconds: [5, 1])
        queue.append(id: 10, deadline: start + .seconds(1), element: "u0", urgent: true)
        queue.append(id: 11, deadline: start + .seconds(4), element: "u1", urgent: true)
        queue.append(id: 12, deadline: start + .seconds(6), element: "u2", urgent: true)
        #expect(queue.remove(id: 12)?.element == "u2")
        #expect(queue.remove(id: 12) == nil)
        #expect(queue.removeExpired(now: start + .seconds(2)).map(\.element) == ["u0", "r1"])
        #expect(queue.earliestDeadline == start + .seconds(4))
        #expect(queue.count == 2)
        #expect(queue.removeAll().map(\.element) == ["u1", "r0"])
        #expect(queue.isEmpty)
        #expect(queue.earliestDeadline == nil)
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
