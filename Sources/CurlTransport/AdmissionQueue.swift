/// Requests waiting in Swift for a transfer slot, first come first served, each with its deadline;
/// urgent ones before all the others, first come first served among themselves.
///
/// A value type with no I/O so its rules are tested on their own: the curl thread appends every
/// submission it cannot start yet, pops the oldest (urgent first) when a slot frees, and removes
/// the ones whose deadline passed (they fail as never sent) or whose task was cancelled.
struct AdmissionQueue<Element> {
    /// One waiting request.
    struct Entry {
        /// The request's id, unique per client.
        var id: UInt64
        /// When the request's own timeout runs out.
        var deadline: ContinuousClock.Instant
        /// What the owner needs to start or fail the request.
        var element: Element
    }

    /// Urgent requests, oldest first: few, and rare (a login).
    private var urgent: [Entry] = []
    /// Slots from `head` on; removed entries become `nil` and are skipped.
    private var slots: [Entry?] = []
    private var head = 0
    /// The number of live entries.
    private(set) var count = 0
    /// No entry's deadline is earlier than this (it may be stale after removals, never too late).
    private(set) var earliestDeadline: ContinuousClock.Instant?

    /// Whether no request waits.
    var isEmpty: Bool { count == 0 }

    /// Adds a request at the back, or behind the other urgent ones only.
    mutating func append(id: UInt64, deadline: ContinuousClock.Instant, element: Element, urgent isUrgent: Bool = false) {
        let entry = Entry(id: id, deadline: deadline, element: element)
        if isUrgent { urgent.append(entry) } else { slots.append(entry) }
        count += 1
        earliestDeadline = min(earliestDeadline ?? deadline, deadline)
    }

    /// Removes and returns the oldest urgent request, else the oldest request.
    mutating func popFirst() -> Entry? {
        if !urgent.isEmpty {
            count -= 1
            defer { compactIfWorthIt() }
            return urgent.removeFirst()
        }
        while head < slots.count {
            let entry = slots[head]
            slots[head] = nil
            head += 1
            if let entry {
                count -= 1
                compactIfWorthIt()
                return entry
            }
        }
        return nil
    }

    /// Removes the request `id`, if it still waits.
    mutating func remove(id: UInt64) -> Entry? {
        if let index = urgent.firstIndex(where: { $0.id == id }) {
            count -= 1
            defer { compactIfWorthIt() }
            return urgent.remove(at: index)
        }
        guard let index = slots[head...].firstIndex(where: { $0?.id == id }), let entry = slots[index] else { return nil }
        slots[index] = nil
        count -= 1
        compactIfWorthIt()
        return entry
    }

    /// Removes and returns every request whose deadline is at or before `now`: urgent ones first,
    /// oldest first.
    /// Costs nothing unless some deadline may have passed.
    mutating func removeExpired(now: ContinuousClock.Instant) -> [Entry] {
        guard let earliest = earliestDeadline, earliest <= now else { return [] }
        var expired: [Entry] = []
        var nextEarliest: ContinuousClock.Instant?
        for entry in urgent {
            if entry.deadline <= now {
                expired.append(entry)
            } else {
                nextEarliest = min(nextEarliest ?? entry.deadline, entry.deadline)
            }
        }
        if !expired.isEmpty {
            urgent.removeAll { $0.deadline <= now }
            count -= expired.count
        }
        for index in head..<slots.count {
            guard let entry = slots[index] else { continue }
            if entry.deadline <= now {
                expired.append(entry)
                slots[index] = nil
                count -= 1
            } else {
                nextEarliest = min(nextEarliest ?? entry.deadline, entry.deadline)
            }
        }
        earliestDeadline = nextEarliest
        compactIfWorthIt()
        return expired
    }

    /// Removes and returns every request, urgent ones first, oldest first.
    mutating func removeAll() -> [Entry] {
        let all = urgent + slots[head...].compactMap { $0 }
        self = AdmissionQueue()
        return all
    }

    private mutating func compactIfWorthIt() {
        if count == 0 {
            urgent.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            head = 0
            earliestDeadline = nil
        } else if head > 64 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }
}
