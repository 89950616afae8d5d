/// A first-in first-out queue whose `removeFirst` moves nothing: a connection's waiting parts,
/// which a pipelined burst can make thousands of. A removed element is released at once.
@usableFromInline
struct FIFO<Element> {
    @usableFromInline var items: [Element?] = []
    /// The index of the first element still queued.
    @usableFromInline var start = 0

    @inlinable
    init() {}

    @inlinable
    var isEmpty: Bool { start == items.count }

    @inlinable
    var first: Element? { isEmpty ? nil : items[start] }

    @inlinable
    mutating func append(_ element: Element) {
        items.append(element)
    }

    @inlinable
    mutating func removeFirst() {
        items[start] = nil
        start += 1
        // Emptied: the storage is reused from its start.
        if start == items.count { removeAll() }
    }

    @inlinable
    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        start = 0
    }
}
