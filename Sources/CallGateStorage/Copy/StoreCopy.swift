import CallGateHashing

/// Why `callgate store copy` did not copy, or copied something it cannot vouch for.
package enum StoreCopyError: Error, Sendable, CustomStringConvertible {
    /// The source's chain does not verify: copying it would hide the break, so nothing was copied.
    case sourceNotIntact(AuditVerification.BadRecord)
    /// The destination already holds records, deliveries or keys: nothing was copied.
    case destinationNotEmpty(StoreInventory)
    /// The copy was committed but does not match the source (a defect, or a store altered under
    /// it): the sentence says what differs and what to drop.
    case copyDiffers(String)
    /// A store could not be read or written; a failed import stored nothing.
    case store(AuditStoreError)

    package var description: String {
        switch self {
        case .sourceNotIntact(let bad):
            "The source's audit trail does not verify (\(bad.problem)): copying it would hide the break, so nothing was copied. Keep the source as evidence; `callgate audit verify` on it shows the same."
        case .destinationNotEmpty(let inventory):
            "The destination is not empty (it holds \(inventory.summary)): a copy goes only into a store nothing was written to, so nothing was copied. Give it a new database."
        case .copyDiffers(let detail):
            "The copy was committed but does not match the source: \(detail). Drop the destination's tables (or the database) before copying again."
        case .store(let error):
            "\(error)"
        }
    }
}

/// `callgate store copy`: one store's whole contents into another, empty one, checked before
/// (the source verifies) and after (the copy verifies, and holds the same figures and rows).
package enum StoreCopy {
    /// Rows read from the source per batch: bounded memory whatever the store's size.
    package static let defaultBatchSize = 1000

    /// Copies `source` into `destination`; returns what was copied.
    package static func copy(
        from source: any StoreCopySource, to destination: any StoreCopyDestination, batchSize: Int = defaultBatchSize
    ) async throws(StoreCopyError) -> StoreInventory {
        do {
            let verification = try await source.verify()
            if let bad = verification.firstBad { throw StoreCopyError.sourceNotIntact(bad) }
            let existing = try await destination.inventory()
            guard existing.isEmpty else { throw StoreCopyError.destinationNotEmpty(existing) }
            let inventory = try await source.inventory()
            try await destination.importCopy(of: inventory, from: source, batchSize: batchSize)
            try await check(copyOf: source, inventory: inventory, in: destination, batchSize: batchSize)
            return inventory
        } catch let error as StoreCopyError {
            throw error
        } catch let error as AuditStoreError {
            throw .store(error)
        } catch {
            throw .store(AuditStoreError(code: .unavailable, detail: "The copy failed: \(error)."))
        }
    }

    /// Throws `copyDiffers` unless the copy in `destination` verifies and holds the source's
    /// figures, and the same deliveries and keys row for row (compared by digest, streamed).
    private static func check(
        copyOf source: any StoreCopySource, inventory: StoreInventory, in destination: any StoreCopyDestination, batchSize: Int
    ) async throws {
        let verification = try await destination.verify()
        if let bad = verification.firstBad {
            throw StoreCopyError.copyDiffers("its audit trail does not verify with the audit key (\(bad.problem))")
        }
        let copied = try await destination.inventory()
        guard copied == inventory else {
            throw StoreCopyError.copyDiffers("it holds \(copied.summary), the source \(inventory.summary)")
        }
        guard try await outboxDigest(source, batchSize) == outboxDigest(destination, batchSize) else {
            throw StoreCopyError.copyDiffers("its deliveries differ from the source's")
        }
        guard try await keysDigest(source, batchSize) == keysDigest(destination, batchSize) else {
            throw StoreCopyError.copyDiffers("its idempotency keys differ from the source's")
        }
    }

    /// SHA-256 over every delivery's fields, in position order.
    static func outboxDigest(_ store: any StoreCopySource, _ batchSize: Int) async throws -> SHA256Bytes {
        var hasher = SHA256Hasher()
        _ = try await store.forEachDelivery(batchSize: batchSize) { batch in
            for stored in batch {
                let delivery = stored.delivery
                hasher.update(utf8: CanonicalJSON.encodeStringArray([
                    String(stored.position), delivery.id, delivery.source, delivery.webhookId, delivery.operation,
                    String(delivery.serviceId), Hex.encode(delivery.payload), delivery.requestId, String(delivery.createdMillis),
                    delivery.status.rawValue, String(delivery.attempts), String(delivery.nextAttemptMillis),
                    String(delivery.updatedMillis), delivery.lastError ?? "\u{0}", delivery.upstreamStatus.map(String.init) ?? "",
                    String(delivery.firstAttemptMillis), delivery.windowQuery.map(Hex.encode) ?? "",
                ]))
            }
        }
        return hasher.finalize()
    }

    /// SHA-256 over every idempotency key's fields and kept answer, in byte order.
    static func keysDigest(_ store: any StoreCopySource, _ batchSize: Int) async throws -> SHA256Bytes {
        var hasher = SHA256Hasher()
        _ = try await store.forEachIdempotencyKey(batchSize: batchSize) { batch in
            for stored in batch {
                let entry = stored.entry
                var fields = [stored.principal, stored.key, Hex.encode(entry.requestDigest), String(entry.createdMillis)]
                if let response = entry.response {
                    fields += [String(response.status), response.headersJSON, Hex.encode(response.body)]
                }
                hasher.update(utf8: CanonicalJSON.encodeStringArray(fields))
            }
        }
        return hasher.finalize()
    }

    /// The error of an import whose source no longer matches the inventory taken before it.
    package static func sourceChanged(_ detail: String) -> AuditStoreError {
        AuditStoreError(
            code: .conflict,
            detail: "The source changed during the copy (\(detail)): stop every gateway that writes it, then copy again; nothing was copied."
        )
    }
}
