import CallGate
import CurlTransport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three `callgate serve` processes on one PostgreSQL database in front of one `callgate simulate`
/// (one LiveVox, where what arrived is counted by account), under launches, callbacks, webhooks
/// and `Idempotency-Key` launches spread over all three; one instance is killed with SIGKILL while
/// requests are in flight, and started again.
@Suite("Three instances on one PostgreSQL database through kill -9 (the binaries)", .serialized)
struct MultiInstanceTests {
    /// The kinds of request of the load.
    enum Kind: String, Sendable {
        /// `POST /v1/services/21429/manual-calls` to one instance.
        case launch
        /// `POST /v1/services/21429/callbacks` to one instance.
        case callback
        /// A signed webhook, its id sent to two instances at once.
        case webhook
        /// A launch with an `Idempotency-Key`, the key sent to all three instances at once.
        case keyed
    }

    /// What one request of the load got.
    struct Outcome: Sendable {
        let kind: Kind
        /// The account the request carries to LiveVox, which is also the webhook's id or the idempotency key.
        let subject: String
        let requestId: String
        let instance: Int
        /// Sent to the instance that is killed, before it was started again: no answer, or a 503,
        /// is the kill's.
        let toKilled: Bool
        /// nil when no answer came (the connection was refused or reset).
        let status: Int?
        let problemCode: String?
        let deliveryId: String?
        /// The answer carried `Idempotency-Replayed: true`.
        let replayed: Bool
        /// Why no answer came.
        let failure: String?
    }

    /// The load's results and its count of finished rounds, shared by its tasks.
    final class Load: Sendable {
        let outcomes = Mutex<[Outcome]>([])
        let finishedRounds = Atomic(0)
        /// The deliveries the killed instance held claimed when it died.
        let orphaned = Mutex<Set<String>>([])
    }

    /// What every request of the load needs.
    struct Target: Sendable {
        let http: WebhookCrashTests
        let ports: [Int]
        let key: String
        let secret: WebhookSecret
        let load: Load
    }

    /// The instance that is killed.
    static let killed = 0

    /// Sends one request of `kind` for `subject` to `instance` and records what it got.
    static func send(_ kind: Kind, _ subject: String, to instance: Int, requestId: String, beforeRestart: Bool,
                     _ target: Target) async {
        let base = "http://127.0.0.1:\(target.ports[instance])"
        var headers = [HTTPHeaderField(name: "X-Request-ID", value: requestId)]
        let url: String
        let body: [UInt8]
        switch kind {
        case .launch, .keyed:
            url = base + "/v1/services/21429/manual-calls"
            body = Array(#"{"calls": [{"phone": "(415) 205-7483", "account": "\#(subject)"}]}"#.utf8)
            headers += [HTTPHeaderField(name: "Authorization", value: "Bearer " + target.key),
                        HTTPHeaderField(name: "Content-Type", value: "application/json")]
            if kind == .keyed { headers.append(HTTPHeaderField(name: "Idempotency-Key", value: subject)) }
        case .callback:
            url = base + "/v1/services/21429/callbacks"
            body = Array(#"{"phone": "415 814 9720", "at": "2030-01-15T10:00", "timeZone": "PT", "account": "\#(subject)"}"#.utf8)
            headers += [HTTPHeaderField(name: "Authorization", value: "Bearer " + target.key),
                        HTTPHeaderField(name: "Content-Type", value: "application/json")]
        case .webhook:
            url = base + "/v1/webhooks/callbacks"
            let webhook = WebhookCrashTests.callbackWebhook(id: subject, account: subject, secret: target.secret)
            body = webhook.body
            headers += webhook.headers
        }
        let response: HTTPResponseSpec?
        var failure: String?
        do {
            response = try await target.http.client.execute(HTTPRequestSpec(method: "POST", url: url, headers: headers, body: body))
        } catch {
            response = nil
            failure = "\(error)"
        }
        let object = response.flatMap { (try? JSONSerialization.jsonObject(with: Data($0.body))) as? [String: Any] }
        let outcome = Outcome(
            kind: kind, subject: subject, requestId: requestId, instance: instance,
            toKilled: instance == killed && beforeRestart, status: response?.status,
            problemCode: object?["code"] as? String, deliveryId: object?["deliveryId"] as? String,
            replayed: response?.header("Idempotency-Replayed") == "true", failure: failure)
        target.load.outcomes.withLock { $0.append(outcome) }
    }

    /// Round `index` of the load, its requests all at once: a launch and a callback each to one
    /// instance, a webhook to two, and a keyed launch to all three, the instances turning with
    /// `index`.
    static func round(_ index: Int, beforeRestart: Bool, _ target: Target) async {
        let first = index % 3, second = (index + 1) % 3, third = (index + 2) % 3
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await send(.launch, "multi-launch-\(index)", to: first, requestId: "multi-launch-\(index)",
                                       beforeRestart: beforeRestart, target) }
            group.addTask { await send(.callback, "multi-callback-\(index)", to: second, requestId: "multi-callback-\(index)",
                                       beforeRestart: beforeRestart, target) }
            for instance in [first, third] {
                group.addTask { await send(.webhook, "multi-webhook-\(index)", to: instance,
                                           requestId: "multi-webhook-\(index)-at-\(instance)", beforeRestart: beforeRestart, target) }
            }
            for instance in 0..<3 {
                group.addTask { await send(.keyed, "multi-key-\(index)", to: instance,
                                           requestId: "multi-key-\(index)-at-\(instance)", beforeRestart: beforeRestart, target) }
            }
        }
    }

    @Test("Three instances on one database, one killed with SIGKILL mid-load and restarted: every answer is in the trail, the trail verifies, no webhook or idempotency key reached LiveVox twice")
    func killOneOfThree() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("callgate-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stores = try await offPool { try InstanceStores(.postgres, directory: directory) }
        let sources = directory.appendingPathComponent("webhook-sources.yaml").path
        let keys = directory.appendingPathComponent("keys.yaml").path
        let added = try await CLI.run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--services", "21429",
                                 "--file", sources], stdin: "")
        try #require(added.status == 0)
        let secret = try WebhookSecret.parse(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let managerKey = try CLI.createKey("crm", "Manager", file: keys)
        let opsKey = try CLI.createKey("ops", "Sysadmin", file: keys)
        let http = try WebhookCrashTests()

        let simulatorPort = try ServeCommandTests.freePort()
        let simulatorProcess = try WebhookCrashTests.Running(["simulate", "--port", String(simulatorPort)])
        defer { simulatorProcess.kill9() }
        let simulator = "http://127.0.0.1:\(simulatorPort)"
        try await http.waitUntilUp(simulator + "/_sim/clock")
        // LiveVox holds each answer 150 ms, and a callback's 500 ms more, so that the kill finds
        // launches, callbacks, keyed launches and a batch of webhook deliveries of the killed
        // instance at LiveVox, unanswered.
        for (path, milliseconds) in [("/callControl", 150), ("/callControl/supervisor/calls/21429/ScheduleCallback", 500)] {
            let fault = try await http.call("POST", simulator + "/_sim/faults", body: Array(
                #"{"kind":"latency","pathPrefix":"\#(path)","latencyMilliseconds":\#(milliseconds)}"#.utf8))
            try #require(fault.status == 201)
        }

        // An upstream timeout of 5 s makes a dead instance's delivery claims reach the end of their
        // lease (the timeout plus a minute) within the test's wait for the outbox to drain.
        let ports = try ServeCommandTests.freePorts(3)
        func serve(_ index: Int, generation: Int) throws -> WebhookCrashTests.Running {
            try WebhookCrashTests.Running([
                "serve", "--calling-profile", "off", "--port", String(ports[index]), "--keys-file", keys, "--webhooks-sources-file", sources,
                "--log-level", "warning", "--upstream-timeout-seconds", "5"] + stores.serveArguments(index) + [
                "--upstream-url", simulator, "--upstream-access-token", "sim-access-token",
                "--upstream-client-name", "SIM", "--upstream-user-name", "sim-user", "--upstream-password", "sim-password"],
                log: try stores.instanceDirectory(index).appendingPathComponent("serve-\(generation).log"))
        }
        // Started together: the first start applies the migrations under the advisory lock.
        var instances = try (0..<3).map { try serve($0, generation: 0) }
        defer { for instance in instances { instance.kill9() } }
        for port in ports { try await http.waitUntilUp("http://127.0.0.1:\(port)/readyz") }
        try stores.requireRunning(instances)

        // The load: 90 rounds of seven requests, six rounds in flight. The task that finishes the
        // 30th round kills the instance once it is sending a delivery, with the other rounds'
        // requests in flight; later rounds up to the 59th still send to its port (refused), then it
        // starts again and, once ready, takes its share of the last 30.
        let load = Load()
        let target = Target(http: http, ports: ports, key: managerKey, secret: secret, load: load)
        let rounds = 90, inFlight = 6, killAfter = 30, restartBefore = 60
        let doomed = instances[Self.killed]
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<restartBefore {
                if index >= inFlight { await group.next() }
                group.addTask {
                    await Self.round(index, beforeRestart: true, target)
                    if load.finishedRounds.add(1, ordering: .relaxed).newValue == killAfter {
                        // Killed while it is sending a delivery (as a rule within a second; the
                        // other rounds go on meanwhile), so that a claim of a dead instance must
                        // wait out its lease and end `unknown`.
                        let pid = doomed.process.processIdentifier
                        do {
                            _ = try await offPool { try stores.waitUntilSending(by: pid, seconds: 5) }
                            doomed.kill9()
                            let orphaned = try await offPool { try stores.deliveriesSending(by: pid) }
                            load.orphaned.withLock { $0 = orphaned }
                        } catch {
                            doomed.kill9()
                            Issue.record("the deliveries the killed instance held could not be read: \(error)")
                        }
                    }
                }
            }
        }
        #expect(doomed.process.terminationReason == .uncaughtSignal && doomed.process.terminationStatus == SIGKILL)
        instances[Self.killed] = try serve(Self.killed, generation: 1)
        try await http.waitUntilUp("http://127.0.0.1:\(ports[Self.killed])/readyz")
        await withTaskGroup(of: Void.self) { group in
            for index in restartBefore..<rounds {
                if index - restartBefore >= inFlight { await group.next() }
                group.addTask { await Self.round(index, beforeRestart: false, target) }
            }
        }
        let outcomes = load.outcomes.withLock { $0 }
        #expect(outcomes.count == rounds * 7)

        // Answers: every request to a live instance is answered, below 500; the killed instance's
        // requests may go unanswered (refused or reset) or be answered 503, and are counted apart.
        let killedUnanswered = outcomes.filter { $0.toKilled && $0.status == nil }
        let killed503 = outcomes.filter { $0.toKilled && $0.status == 503 }
        let killedAnswered = outcomes.filter { $0.toKilled && $0.status.map { $0 < 500 } == true }
        #expect(!killedUnanswered.isEmpty, "no request found the killed instance gone")
        #expect(!killedAnswered.isEmpty, "the killed instance answered nothing before the kill")
        let failed = outcomes.filter { outcome in
            guard let status = outcome.status else { return !outcome.toKilled }
            return status >= 500 && !(outcome.toKilled && status == 503)
        }
        #expect(failed.isEmpty, "answered 5xx or not at all by a live instance: \(failed.map { "\($0.requestId) at \($0.instance): \($0.status.map(String.init) ?? $0.failure ?? "none")" })")
        let unexpected = outcomes.filter { outcome in
            guard let status = outcome.status, status < 500 else { return false }
            return !(status == 202 || (outcome.kind == .keyed && status == 409 && outcome.problemCode == "idempotency_key_in_progress"))
        }
        #expect(unexpected.isEmpty, "answers other than 202 (or 409 in progress for a key): \(unexpected.map { "\($0.requestId): \($0.status!) \($0.problemCode ?? "")" })")

        // The outbox drains: deliveries claimed by the killed instance become `unknown` once their
        // lease has ended, at the next sweep of an instance (once a minute).
        let opsBase = "http://127.0.0.1:\(ports[1])"
        try await http.waitForDrain(base: opsBase, key: opsKey, seconds: 180)
        let outbox = try await http.deliveries(base: opsBase, key: opsKey)
        let launched = try await http.launchedAccounts(simulator: simulator)
        let calledBack = try await http.receivedAccounts(simulator: simulator)

        // Launches and callbacks: each answered one reached LiveVox once; one the killed instance
        // never answered reached it at most once, and then its intent is in the trail.
        let trail = try #require(stores.trails.first)
        let records = try await offPool { try InstanceStores.records([], store: trail) }
        let recordsById = Dictionary(grouping: records, by: \.requestId)
        for outcome in outcomes where outcome.kind == .launch || outcome.kind == .callback {
            let received = (outcome.kind == .launch ? launched : calledBack)[outcome.subject] ?? 0
            if outcome.status == 202 {
                #expect(received == 1, "\(outcome.requestId) was answered 202 and reached LiveVox \(received) times")
            } else {
                #expect(received <= 1, "\(outcome.requestId) reached LiveVox \(received) times")
                if received == 1 {
                    // `incomplete`: the intent alone, as queries show it; `intent`: beside its
                    // outcome, committed before the kill cut the answer off.
                    #expect(recordsById[outcome.requestId]?.contains { ["incomplete", "intent"].contains($0.outcome) } == true,
                            "\(outcome.requestId) reached LiveVox unanswered, without its intent in the trail: \(recordsById[outcome.requestId] ?? [])")
                }
            }
        }

        // Webhooks: each id was accepted (by the live instance of its two, at least) as one
        // delivery, which reached LiveVox exactly once, or is `unknown` and reached it at most once.
        let webhooks = Dictionary(grouping: outcomes.filter { $0.kind == .webhook }, by: \.subject)
        #expect(webhooks.count == rounds)
        var deliveryIds: Set<String> = []
        for (id, sent) in webhooks {
            let accepted = sent.filter { $0.status == 202 }
            let deliveries = Set(accepted.compactMap(\.deliveryId))
            #expect(!accepted.isEmpty && deliveries.count == 1, "webhook \(id) was accepted as \(deliveries) by \(accepted.count) of 2")
            guard let deliveryId = deliveries.first, let delivery = outbox[deliveryId] else {
                Issue.record("webhook \(id) has no delivery in the outbox")
                continue
            }
            deliveryIds.insert(deliveryId)
            let received = calledBack[id] ?? 0
            switch delivery["status"] as? String {
            case "delivered":
                #expect(received == 1, "delivery \(deliveryId) of \(id) is delivered and reached LiveVox \(received) times")
            case "unknown":
                #expect(received <= 1, "delivery \(deliveryId) of \(id) is unknown and reached LiveVox \(received) times")
            case let other:
                Issue.record("delivery \(deliveryId) of \(id) ended \(other ?? "without a status")")
            }
        }
        // The deliveries the killed instance was sending: no other instance took them over.
        let orphaned = load.orphaned.withLock { $0 }
        for id in orphaned {
            #expect(outbox[id]?["status"] as? String == "unknown", "delivery \(id), claimed by the killed instance, ended \(outbox[id]?["status"] ?? "missing")")
        }
        #expect(Set(outbox.keys) == deliveryIds, "deliveries no webhook was answered with: \(Set(outbox.keys).subtracting(deliveryIds))")

        // Idempotency keys: each reached LiveVox at most once, and exactly once when an instance
        // answered 202; one answer at most ran the launch, the others were refused as in progress or
        // replayed it. A key no instance answered 202 was taken by the killed instance.
        let keyed = Dictionary(grouping: outcomes.filter { $0.kind == .keyed }, by: \.subject)
        #expect(keyed.count == rounds)
        for (key, sent) in keyed {
            let received = launched[key] ?? 0
            let ran = sent.filter { $0.status == 202 && !$0.replayed }
            #expect(received <= 1 && ran.count <= 1, "key \(key) reached LiveVox \(received) times; \(ran.count) answers ran it")
            if sent.contains(where: { $0.status == 202 }) {
                #expect(received == 1, "key \(key) was answered 202 and reached LiveVox \(received) times")
            } else {
                #expect(sent.contains { $0.toKilled && $0.status == nil }, "no instance ran key \(key): \(sent.map { $0.status ?? 0 })")
            }
        }

        // The trail: every answer is in it with the status answered; the only intents without an
        // outcome are requests the killed instance never answered; and it verifies.
        for outcome in outcomes {
            guard let status = outcome.status else { continue }
            #expect(recordsById[outcome.requestId]?.contains { $0.status == status } == true,
                    "\(outcome.requestId) was answered \(status) by instance \(outcome.instance) but its trail holds \(recordsById[outcome.requestId] ?? [])")
        }
        let incomplete = try await offPool { try InstanceStores.records(["--outcome", "incomplete"], store: trail) }
        let unanswered = Set(killedUnanswered.map(\.requestId))
        #expect(Set(incomplete.map(\.requestId)).isSubset(of: unanswered),
                "incomplete requests that were answered: \(Set(incomplete.map(\.requestId)).subtracting(unanswered))")
        for instance in instances { instance.kill9() }
        let verified = try await offPool { try CLI.runBlocking(["audit", "verify"] + trail, stdin: "") }
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stdout.contains(#""intact":true"#))
        await http.client.shutdown(gracePeriod: .seconds(1))

        let unknown = outbox.values.filter { $0["status"] as? String == "unknown" }.count
        let keysOfTheKilled = keyed.values.filter { sent in !sent.contains { $0.status == 202 } }.count
        print("three instances, one killed: \(outcomes.count) requests, \(records.count) records; to the killed instance "
              + "\(killedUnanswered.count) unanswered, \(killed503.count) answered 503, \(killedAnswered.count) answered; "
              + "\(incomplete.count) incomplete; \(orphaned.count) deliveries orphaned by the kill; \(unknown) unknown deliveries; \(keysOfTheKilled) keys left in progress by the kill")
    }
}
