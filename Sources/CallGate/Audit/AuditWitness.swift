import CallGateHashing
import CallGateStorage
import Logging
import ServiceLifecycle

/// The audit witness: once a second, when the chain's head moved, and once at shutdown, it signs
/// the head (sequence, hash, time) with its own Ed25519 key and writes it to the witness file and,
/// as one line, to the log, the copy that leaves the host.
///
/// Records deleted from the end of the trail leave a valid chain behind; the heads outside the
/// database show they are gone (`callgate audit verify --witness`), and whoever can edit the
/// database and read the chain key still cannot sign a head. At start, a trail that ends before
/// the witness's last head, or holds another record there, is logged as critical; the service
/// still starts (refusing would stop every call over what the audit can only report), and the
/// witness file keeps the heads that show the loss.
struct AuditWitness: Service {
    let store: any AuditStore
    let key: Ed25519.PrivateKey
    let file: WitnessFile
    let logger: Logger
    let nowMillis: @Sendable () -> Int64
    /// The last head written, as the file holds it at start.
    let startHead: ChainAnchor?
    /// How often the head is looked at; a second, lowered by tests.
    var interval: Duration = .seconds(1)

    /// The witness of `store`, with its key (created when absent) and file; throws a sentence when
    /// the key or the file cannot be used.
    init(
        store: any AuditStore, keyFile: String, file: WitnessFile, logger: Logger, nowMillis: @escaping @Sendable () -> Int64
    ) async throws {
        let last: WitnessHead?
        do throws(AuditStoreError) {
            key = try WitnessKey.loadOrCreate(path: keyFile)
            last = try file.lastHead(publicKey: key.publicKey)
        } catch {
            throw SettingsError("The audit witness cannot start: \(error.detail)")
        }
        if let problem = Self.startProblem(head: try await store.chainHead(), last: last, file: file.path) {
            logger.critical("The audit trail does not reach what its witness saw", metadata: ["audit.error": "\(problem)"])
        }
        self.store = store
        self.file = file
        self.logger = logger
        self.nowMillis = nowMillis
        startHead = last.map { ChainAnchor(sequence: $0.sequence, hash: $0.hash) }
    }

    /// What is wrong when the trail's `head` at start is behind the witness's `last` head, or holds
    /// another record at its sequence: records were deleted from the end (or a power loss took the
    /// newest commits of a store not synchronous=FULL). Nil when the trail reaches it.
    static func startProblem(head: ChainAnchor, last: WitnessHead?, file: String) -> String? {
        guard let last else { return nil }
        let advice = "Run `callgate audit verify --witness \(file)`, and keep the store and the witness file as evidence; new records are numbered on from the trail's end."
        if head.sequence < last.sequence {
            let missing = head.sequence + 1 == last.sequence
                ? "record \(last.sequence) is missing"
                : "records \(head.sequence + 1) to \(last.sequence) are missing"
            return "The audit trail ends at record \(head.sequence), but the witness (\(file)) saw it reach \(last.sequence) at \(last.utcTime): \(missing). \(advice)"
        }
        if head.sequence == last.sequence, head.hash != last.hash {
            return "The audit trail's record \(head.sequence) is not the one the witness (\(file)) saw at \(last.utcTime): its hash differs. \(advice)"
        }
        return nil
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var written = startHead
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                written = await witness(after: written)
            }
        }
        // Stopped after the audit service (services stop in reverse order): the writer has
        // committed its last record, so this is the head the store closed at.
        _ = await witness(after: nil)
    }

    /// Writes the head when it is not `written`; returns the head now written.
    private func witness(after written: ChainAnchor?) async -> ChainAnchor? {
        let head: ChainAnchor
        do {
            head = try await store.chainHead()
        } catch {
            logger.error("Audit chain head not witnessed", metadata: ["audit.error": "\(error)"])
            return written
        }
        guard head != written else { return written }
        let line = WitnessLine(head: WitnessHead(sequence: head.sequence, hash: head.hash, timeMillis: nowMillis()), signedBy: key)
        logger.notice("Audit chain head witnessed", metadata: ["audit.witness": "\(line.text)"])
        do {
            try file.append(line)
        } catch {
            logger.error("Audit chain head not written to the witness file", metadata: ["audit.error": "\(error)"])
        }
        return head
    }
}
