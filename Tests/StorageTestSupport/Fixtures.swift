import CallGateStorage

/// Records, deliveries and keys the storage tests share.
public enum Fixtures {
    /// The audit secret of the tests.
    public static let secret = [UInt8](repeating: 0x5A, count: 32)
    /// The keys derived from `secret`.
    public static let keys = try! AuditKeys(secret: secret)

    /// A record with every field filled, varied by `index`.
    public static func record(_ index: Int, timeMillis: Int64? = nil) -> AuditRecord {
        let outcomes: [AuditOutcome] = [.allowed, .allowed, .denied, .error]
        let outcome = outcomes[index % outcomes.count]
        return AuditRecord(
            requestId: "req-\(index)",
            timeMillis: timeMillis ?? 1_767_225_600_000 + Int64(index) * 1000,
            principal: "principal-\(index % 3)",
            role: index % 2 == 0 ? "Manager" : "Agent",
            authMethod: index % 5 == 0 ? "webhook" : "api_key",
            clientAddress: "10.0.0.\(index % 250)",
            peerAddress: index % 3 == 0 ? nil : "192.0.2.\(index % 250)",
            operation: index % 4 == 1 ? "getQueueStats" : "launchManualCalls",
            method: "POST",
            path: "/v1/services/\(21429 + index % 2)/manual-calls",
            serviceId: Int64(21429 + index % 2),
            phones: index % 4 == 1 ? [] : [keys.phone("41520\(57000 + index % 7)"), keys.phone("4158149720")],
            entryCount: index % 4 == 1 ? nil : 2,
            outcome: outcome,
            reason: outcome == .allowed ? nil : (outcome == .denied ? "forbidden_role" : "upstream_timeout"),
            validationCodes: outcome == .denied ? ["invalid_phone", "quote\"back\\slash\ttab"] : [],
            upstreamStatus: outcome == .denied ? nil : (outcome == .error ? 504 : 200),
            upstreamAttempts: outcome == .denied ? 0 : 1 + index % 3,
            upstreamLatencyMicros: outcome == .denied ? nil : 8000 + Int64(index),
            totalLatencyMicros: 9000 + Int64(index),
            responseStatus: outcome == .allowed ? 200 : (outcome == .denied ? 403 : 504),
            callingWindow: index % 4 == 1 ? nil : AuditCallingWindow(
                profile: "telemarketing", ruleIds: index % 2 == 0 ? ["US-FL-solicitation"] : [],
                nextAllowedAtMillis: index % 2 == 0 ? 1_780_401_600_000 + Int64(index) : nil, rulesDigest: String(repeating: "ab", count: 32))
        )
    }

    /// A webhook delivery varied by `index`: id `dlv-INDEX`, webhook id `wh-INDEX` unless given,
    /// created (and due) at `(index + 1) * 1000` unless given. Its payload ends with a NUL and a
    /// byte that is not UTF-8: payloads are kept as bytes, not text.
    public static func delivery(
        _ index: Int, source: String = "crm", webhookId: String? = nil, createdMillis: Int64? = nil
    ) -> NewDelivery {
        NewDelivery(
            id: "dlv-\(index)", source: source, webhookId: webhookId ?? "wh-\(index)", operation: "schedule_callback",
            serviceId: 21429, payload: Array(#"{"phoneNumber":"4155550123","index":\#(index)}"#.utf8) + [0, 0xFF],
            createdMillis: createdMillis ?? Int64(index + 1) * 1000
        )
    }

    /// Appends `count` records made by `make`, in batches, and returns them as stored.
    @discardableResult
    public static func fill(
        _ store: some AuditStore, count: Int, batch: Int = 500, make: (Int) -> AuditRecord = { record($0) }
    ) async throws -> [AuditRecord] {
        var stored: [AuditRecord] = []
        var next = 0
        while next < count {
            let end = min(count, next + batch)
            stored += try await store.append((next..<end).map(make))
            next = end
        }
        return stored
    }
}
