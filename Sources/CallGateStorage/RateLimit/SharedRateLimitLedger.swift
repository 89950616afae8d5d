/// The local half of a rate-limit store that several instances share: decides each request at once
/// from what this instance knows, and keeps what it must tell the others at the next exchange.
/// A value with no I/O; the backend (`PostgresRateLimitStore`) holds it under a lock and runs the
/// exchanges.
///
/// Per key it keeps two generic-cell-rate instants:
/// - `real`, the key's instant as the shared store will hold it once this instance's admissions
///   are sent: the last instant the store answered, moved one interval per admission since;
/// - `charged`, the instant decisions are made on: the same, but each admission since the last
///   answer moves it by `sharers` intervals, `sharers` being how many instances asked for the key
///   lately. Instances sharing a key's load each take their share of its headroom between two
///   exchanges instead of each taking all of it, which would admit up to `sharers` times the
///   burst; one instance alone (`sharers` 1) decides exactly as `InProcessRateLimitStore`.
///
/// An exchange sends, per key asked for since the last one, where this batch of admissions starts
/// (`real` less their intervals) and how far they move the key; the store applies
/// `instant = max(instant, start) + advance` and answers the result, which includes every other
/// instance's admissions.
public struct SharedRateLimitLedger: Sendable {
    /// What one key's exchange sends.
    public struct Contribution: Sendable, Hashable {
        /// The principal's key.
        public var key: String
        /// The key's instant before this batch's admissions, as this instance computed it.
        public var startNanos: Int64
        /// The sum of the intervals admitted since the last exchange (0: the key was only asked for).
        public var advanceNanos: Int64

        /// Creates a contribution.
        public init(key: String, startNanos: Int64, advanceNanos: Int64) {
            self.key = key
            self.startNanos = startNanos
            self.advanceNanos = advanceNanos
        }
    }

    /// What the shared store answered to an exchange.
    public struct Answer: Sendable, Hashable {
        /// Each contributed key's instant after the exchange.
        public var instants: [String: Int64]
        /// Per contributed key, how many instances asked for it lately (this one included).
        public var sharers: [String: Int]
        /// How many instances exchange with the store now (this one included): the share assumed
        /// for a key this instance has not exchanged yet.
        public var liveInstances: Int

        /// Creates an answer.
        public init(instants: [String: Int64], sharers: [String: Int], liveInstances: Int) {
            self.instants = instants
            self.sharers = sharers
            self.liveInstances = liveInstances
        }
    }

    private struct Entry {
        var real: Int64
        var charged: Int64
        var sharers: Int
        /// Intervals admitted and not yet sent.
        var unsent: Int64 = 0
        /// Intervals sent in the exchange under way, not yet answered.
        var inFlight: Int64 = 0
    }

    private var entries: [String: Entry] = [:]
    /// Keys asked for since the last exchange began.
    private var asked: Set<String> = []
    private var liveInstances = 1

    /// An empty ledger, assuming it is the only instance until an exchange says otherwise.
    public init() {}

    /// Decides one request (the contract of `RateLimitStore.admit`): admitted when the key's
    /// charged instant, started at the later of it and `nowNanos` and moved by this instance's
    /// share, lies at most `windowNanos` ahead. A share is never more than the window, so a burst
    /// smaller than the instances sharing it still admits one request per exchange on each.
    public mutating func admit(_ key: String, intervalNanos: Int64, windowNanos: Int64, nowNanos: Int64) -> RateLimitAdmission {
        asked.insert(key)
        var entry = entries[key] ?? Entry(real: nowNanos, charged: nowNanos, sharers: liveInstances)
        let start = max(entry.charged, nowNanos)
        let charge = min(intervalNanos &* Int64(entry.sharers), max(intervalNanos, windowNanos))
        guard start + charge - nowNanos <= windowNanos else {
            entries[key] = entry
            return RateLimitAdmission(isAdmitted: false, startNanos: start)
        }
        if entries.count > InProcessRateLimitStore.forgetAbove { forgetIdle(nowNanos: nowNanos) }
        entry.charged = start + charge
        entry.real = max(entry.real, nowNanos) + intervalNanos
        entry.unsent += intervalNanos
        entries[key] = entry
        return RateLimitAdmission(isAdmitted: true, startNanos: start)
    }

    /// Starts an exchange: what to send for every key asked for since the last one began. Until
    /// `complete` or `fail`, new admissions are kept apart from these.
    public mutating func beginExchange() -> [Contribution] {
        var contributions: [Contribution] = []
        contributions.reserveCapacity(asked.count)
        for key in asked {
            guard var entry = entries[key] else { continue }
            contributions.append(Contribution(key: key, startNanos: entry.real - entry.unsent - entry.inFlight,
                                              advanceNanos: entry.unsent + entry.inFlight))
            entry.inFlight += entry.unsent
            entry.unsent = 0
            entries[key] = entry
        }
        asked.removeAll(keepingCapacity: true)
        return contributions
    }

    /// Takes the store's answer to the exchange begun last: each key's instant now includes every
    /// instance's admissions, and this instance's later ones are placed after it.
    public mutating func complete(_ answer: Answer) {
        liveInstances = max(1, answer.liveInstances)
        for (key, shared) in answer.instants {
            guard var entry = entries[key] else { continue }
            let sharers = max(1, answer.sharers[key] ?? 1)
            entry.sharers = sharers
            entry.real = max(entry.real, shared + entry.unsent)
            entry.charged = max(entry.real, shared + entry.unsent &* Int64(sharers))
            entry.inFlight = 0
            entries[key] = entry
        }
    }

    /// The exchange begun last failed: its admissions are sent again with the next one (from the
    /// same start), and the keys stay asked for. An exchange whose answer was lost after the store
    /// applied it is so counted twice: a stricter limit for a moment, never a looser one.
    public mutating func fail() {
        for (key, entry) in entries where entry.inFlight > 0 {
            asked.insert(key)
        }
    }

    /// How many keys the ledger remembers.
    public var count: Int { entries.count }

    /// Forgets the keys whose burst is full again and that have nothing to send: the store's
    /// instant is past for them, so forgetting changes no decision.
    public mutating func forgetIdle(nowNanos: Int64) {
        entries = entries.filter { key, entry in
            entry.charged > nowNanos || entry.unsent > 0 || entry.inFlight > 0 || asked.contains(key)
        }
    }
}
