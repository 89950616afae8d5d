/// What a store holds, in figures a copy must reproduce: how many records, deliveries and keys,
/// the chain's head and the pruning checkpoint.
package struct StoreInventory: Sendable, Hashable {
    /// The records held (those pruned before the checkpoint are not).
    package var records: Int
    /// The last record (the checkpoint when everything was pruned, the genesis before the first).
    package var head: ChainAnchor
    /// The pruning checkpoint, MAC included; nil when nothing was ever pruned.
    package var checkpoint: ChainCheckpoint?
    /// The deliveries of the outbox, in every state.
    package var deliveries: Int
    /// The idempotency keys, completed or in progress.
    package var idempotencyKeys: Int

    /// An inventory.
    package init(records: Int, head: ChainAnchor, checkpoint: ChainCheckpoint?, deliveries: Int, idempotencyKeys: Int) {
        self.records = records
        self.head = head
        self.checkpoint = checkpoint
        self.deliveries = deliveries
        self.idempotencyKeys = idempotencyKeys
    }

    /// True for a store nothing was ever written to: a copy's only acceptable destination.
    package var isEmpty: Bool {
        records == 0 && head == .genesis && checkpoint == nil && deliveries == 0 && idempotencyKeys == 0
    }

    /// "12 records (head 12 …), 3 deliveries, 2 idempotency keys", for messages.
    package var summary: String {
        "\(records) records (head \(head.sequence) \(head.hash)\(checkpoint.map { ", checkpoint at \($0.sequence)" } ?? "")), \(deliveries) deliveries, \(idempotencyKeys) idempotency keys"
    }
}

/// A delivery and its position in the outbox (arrival order, the lists' cursor).
package struct StoredDelivery: Sendable, Hashable {
    /// Where it is in arrival order.
    package var position: Int64
    /// The delivery, every field as stored.
    package var delivery: Delivery

    /// A delivery at its position.
    package init(position: Int64, delivery: Delivery) {
        self.position = position
        self.delivery = delivery
    }
}

/// An idempotency key as stored: whose, which, and what it holds.
package struct StoredIdempotencyKey: Sendable, Hashable {
    /// The principal that used the key.
    package var principal: String
    /// The key.
    package var key: String
    /// Its request digest, first use and kept response (nil while in progress).
    package var entry: IdempotencyEntry

    /// A stored key.
    package init(principal: String, key: String, entry: IdempotencyEntry) {
        self.principal = principal
        self.key = key
        self.entry = entry
    }
}

/// A store read row by row as it is stored, for `StoreCopy`: records with their chain fields
/// exactly as written (an intent reads as an intent, never as `incomplete`), deliveries in every
/// state, keys with their answers. Each read is one page after a cursor, so a copy's memory is
/// bounded by its batch size whatever the store's size.
package protocol StoreCopySource: AuditStore {
    /// The store's figures, read in one snapshot.
    func inventory() async throws(AuditStoreError) -> StoreInventory

    /// At most `limit` records with a sequence above `afterSequence`, in sequence order.
    func storedRecords(afterSequence: Int64, limit: Int) async throws(AuditStoreError) -> [AuditRecord]

    /// At most `limit` deliveries with a position above `afterPosition`, in position order.
    func storedDeliveries(afterPosition: Int64, limit: Int) async throws(AuditStoreError) -> [StoredDelivery]

    /// At most `limit` keys after `after` (from the first when nil), ordered by principal then key
    /// in byte order (UTF-8, as SQLite's BINARY and PostgreSQL's "C" collations compare), so that
    /// two backends list the same keys in the same order.
    func storedIdempotencyKeys(after: StoredIdempotencyKey?, limit: Int) async throws(AuditStoreError) -> [StoredIdempotencyKey]
}

/// A store that can take a whole copy of another: the destination of `callgate store copy`.
package protocol StoreCopyDestination: StoreCopySource {
    /// Inserts everything `source` holds up to `inventory` (records through its head, the
    /// checkpoint, every delivery and key) verbatim, `batchSize` rows a read, in one transaction:
    /// either all of it is stored or nothing is.
    ///
    /// Throws `conflict` when this store is not empty, or when what was read differs from
    /// `inventory` (the source changed during the copy); nothing is stored then.
    func importCopy(of inventory: StoreInventory, from source: any StoreCopySource, batchSize: Int) async throws(AuditStoreError)
}

extension StoreCopySource {
    /// Reads every record through `inventory.head`, in order, `batchSize` at a time, handing each
    /// batch to `sink`; throws `conflict` when the records read are not the inventory's (the source
    /// changed since it was taken). Shared by every destination's import.
    package func forEachRecord(
        of inventory: StoreInventory, batchSize: Int, _ sink: ([AuditRecord]) async throws -> Void
    ) async throws {
        var after = inventory.checkpoint?.sequence ?? 0
        var count = 0
        var last = inventory.checkpoint?.anchor ?? .genesis
        while after < inventory.head.sequence {
            let batch = try await storedRecords(afterSequence: after, limit: batchSize).prefix { $0.sequence <= inventory.head.sequence }
            guard let final = batch.last else { break }
            try await sink(Array(batch))
            count += batch.count
            after = final.sequence
            last = ChainAnchor(sequence: final.sequence, hash: final.hash)
        }
        guard count == inventory.records, last == inventory.head else {
            throw StoreCopy.sourceChanged("its records up to the head were \(count), ending at \(last.sequence) \(last.hash)")
        }
    }

    /// Reads every delivery, in order, `batchSize` at a time, handing each batch to `sink`.
    package func forEachDelivery(batchSize: Int, _ sink: ([StoredDelivery]) async throws -> Void) async throws -> Int {
        try await Self.pages(after: Int64(0), { try await storedDeliveries(afterPosition: $0, limit: batchSize) }, cursor: \.position, sink)
    }

    /// Reads every idempotency key, in order, `batchSize` at a time, handing each batch to `sink`.
    package func forEachIdempotencyKey(batchSize: Int, _ sink: ([StoredIdempotencyKey]) async throws -> Void) async throws -> Int {
        try await Self.pages(after: StoredIdempotencyKey?.none, { try await storedIdempotencyKeys(after: $0, limit: batchSize) }, cursor: { $0 }, sink)
    }

    /// Reads the pages `page` returns after each cursor (the last item's, from `first`) until one
    /// is empty, handing each to `sink`; returns how many items there were.
    private static func pages<Item, Cursor>(
        after first: Cursor, _ page: (Cursor) async throws -> [Item], cursor: (Item) -> Cursor, _ sink: ([Item]) async throws -> Void
    ) async throws -> Int {
        var after = first
        var count = 0
        while true {
            let batch = try await page(after)
            guard let final = batch.last else { return count }
            try await sink(batch)
            count += batch.count
            after = cursor(final)
        }
    }
}
