import CallGateCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import LiveVoxSimulator

@Suite("The simulated world")
struct WorldTests {
    static func stats(available: Int, onHold: Int = 0, toBeLaunched: Int, inProgress: Int, max: Int = 10) -> String {
        #"{"availableAgents":\#(available),"callsInProgress":\#(inProgress),"callsOnHold":\#(onHold),"callsToBeLaunched":\#(toBeLaunched),"maxAgents":\#(max)}"#
    }

    @Test("Queue stats move as calls launch, are dialed after the dial delay, and complete after their duration")
    func statsMove() async throws {
        let configuration = SimulatorConfiguration(services: [
            ServiceConfiguration(id: 21429, loggedInAgents: 4, availableAgents: 2, dialDelaySeconds: 1, callDurationSeconds: 5),
        ])
        try await SimulatorHarness.run(configuration: configuration) { sim in
            let session = try await sim.login()
            let clock = sim.simulator.clock
            let entries = [Numbers.first, Numbers.second, Numbers.third].map { #"{"phoneNumber": "\#($0)"}"# }
            #expect(try await sim.launch(session: session, entries: entries.joined(separator: ",")).status == .noContent)
            #expect(try await sim.stats(session: session) == Self.stats(available: 2, toBeLaunched: 3, inProgress: 0, max: 4))
            clock.advance(bySeconds: 1)
            #expect(try await sim.stats(session: session) == Self.stats(available: 0, toBeLaunched: 1, inProgress: 2, max: 4))
            clock.advance(bySeconds: 5)
            #expect(try await sim.stats(session: session) == Self.stats(available: 1, toBeLaunched: 0, inProgress: 1, max: 4))
            #expect(sim.simulator.queueStats(serviceId: 21429)
                == QueueStats(availableAgents: 1, callsOnHold: 0, callsToBeLaunched: 0, callsInProgress: 1, maxAgents: 4))
            clock.advance(bySeconds: 5)
            #expect(try await sim.stats(session: session) == Self.stats(available: 2, toBeLaunched: 0, inProgress: 0, max: 4))
            #expect(try await sim.nonAttempted(session: session) == #"{"nonAttemptedManualCalls":[]}"#)
        }
    }

    @Test("A number on the DNC list fails with 1000, whatever its formatting in the list")
    func doNotCall() async throws {
        try await SimulatorHarness.run(configuration: SimulatorConfiguration(doNotCall: ["(415) 766-7320"])) { sim in
            let session = try await sim.login()
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "4157667320", "transactionId": "77"}"#)
            #expect(try await sim.nonAttempted(session: session) == """
                {"nonAttemptedManualCalls":[{"errorCode":"1000","phoneNumber":"4157667320",\
                "reason":"Phone number on DNC list","timeOfFailure":"2026-03-02T20:00:00.0","transactionId":"77"}]}
                """)
            #expect(try await sim.stats(session: session) == Self.stats(available: 5, toBeLaunched: 0, inProgress: 0))
        }
    }

    @Test("A launch-failure rule fails the next launches of its number with its code, counted down, on its service only")
    func launchFailureRule() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            try sim.simulator.addLaunchFailure(LaunchFailureRule(phoneNumber: "+1 415 814 9720", errorCode: 603, count: 2))
            try sim.simulator.addLaunchFailure(LaunchFailureRule(phoneNumber: Numbers.first, errorCode: 9997, serviceId: 50123))
            for transaction in 1...3 {
                let entries = #"{"phoneNumber": "4158149720", "transactionId": "\#(transaction)"},{"phoneNumber": "\#(Numbers.first)"}"#
                #expect(try await sim.launch(session: session, entries: entries).status == .noContent)
            }
            #expect(sim.simulator.launches.map(\.refusedWithCode) == [603, nil, 603, nil, nil, nil])
            #expect(try await sim.nonAttempted(session: session) == """
                {"nonAttemptedManualCalls":[{"errorCode":"603","phoneNumber":"4158149720","reason":"Account attempts PK violation",\
                "timeOfFailure":"2026-03-02T20:00:00.0","transactionId":"1"},{"errorCode":"603","phoneNumber":"4158149720",\
                "reason":"Account attempts PK violation","timeOfFailure":"2026-03-02T20:00:00.0","transactionId":"2"}]}
                """)
            #expect(try await sim.launch(50123, session: session, entries: #"{"phoneNumber": "\#(Numbers.first)"}"#).status == .noContent)
            #expect(sim.simulator.launches.last?.refusedWithCode == 9997)
            #expect(sim.simulator.launchFailures.map(\.errorCode) == [9997], "the counted rule is gone, the other stays")
        }
    }

    @Test("A launch past the service's maxQueuedCalls fails with 901; room again once calls are dialed")
    func queueOverflow() async throws {
        let configuration = SimulatorConfiguration(services: [
            ServiceConfiguration(id: 21429, availableAgents: 1, dialDelaySeconds: 1, callDurationSeconds: 60, maxQueuedCalls: 2),
        ])
        try await SimulatorHarness.run(configuration: configuration) { sim in
            let session = try await sim.login()
            let entries = [Numbers.first, Numbers.second, Numbers.third].map { #"{"phoneNumber": "\#($0)"}"# }
            #expect(try await sim.launch(session: session, entries: entries.joined(separator: ",")).status == .noContent)
            #expect(sim.simulator.launches.map(\.refusedWithCode) == [nil, nil, 901])
            #expect(try await sim.nonAttempted(session: session).contains(#""errorCode":"901","phoneNumber":"\#(Numbers.third)","reason":"Call exceeds queued""#))
            sim.simulator.clock.advance(bySeconds: 1)
            #expect(try await sim.launch(session: session, entries: entries[2]).status == .noContent)
            #expect(sim.simulator.launches.last?.refusedWithCode == nil, "the first call was dialed: one place free")
        }
    }

    @Test("A number that cannot be dialed fails with 899", arguments: [Numbers.invalid, "555", "not a number", ""])
    func invalidNumber(number: String) async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            #expect(try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(number)"}"#).status == .noContent)
            #expect(sim.simulator.launches.map(\.refusedWithCode) == [899])
            #expect(try await sim.nonAttempted(session: session).contains(#""errorCode":"899""#))
        }
    }

    @Test("A call outside 8:00-21:00 in the number's zone fails with 998, daylight saving included", arguments: [
        (1_772_427_599.0, nil),     // 2026-03-02 20:59:59 PST
        (1_772_427_600.0, 998),     // 21:00:00 PST
        (1_772_467_199.0, 998),     // 07:59:59 PST
        (1_772_467_200.0, nil),     // 08:00:00 PST
        (1_782_878_399.0, nil),     // 2026-06-30 20:59:59 PDT
        (1_782_878_400.0, 998),     // 2026-06-30 21:00:00 PDT
    ] as [(Double, Int?)])
    func dialingWindow(now: Double, expected: Int?) async throws {
        try await SimulatorHarness.run(now: now) { sim in
            let session = try await sim.login()
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.first)"}"#)
            #expect(sim.simulator.launches.map(\.refusedWithCode) == [expected])
        }
    }

    @Test("A call still waiting for an agent when its dialingTimeout elapses fails with 799 at that instant")
    func dialingTimeout() async throws {
        try await SimulatorHarness.run { sim in
            let session = try await sim.login()
            let agents = try await sim.send(.post, "/_sim/services/21429", body: #"{"availableAgents": 0}"#)
            #expect(agents.status == .ok)
            _ = try await sim.launch(session: session, entries: """
                {"phoneNumber": "\(Numbers.first)", "dialingTimeout": "60"}, {"phoneNumber": "\(Numbers.second)"}
                """)
            sim.simulator.clock.advance(bySeconds: 59)
            #expect(try await sim.stats(session: session) == Self.stats(available: 0, toBeLaunched: 2, inProgress: 0))
            sim.simulator.clock.advance(bySeconds: 120)
            #expect(try await sim.stats(session: session) == Self.stats(available: 0, toBeLaunched: 1, inProgress: 0))
            #expect(try await sim.nonAttempted(session: session) == """
                {"nonAttemptedManualCalls":[{"errorCode":"799","phoneNumber":"\(Numbers.first)",\
                "reason":"No agents available to dial","timeOfFailure":"2026-03-02T20:01:00.0","transactionId":"27460618101"}]}
                """)
            // An agent comes back: the call without a timeout is dialed.
            #expect(sim.simulator.setAgents(serviceId: 21429, available: 1))
            sim.simulator.clock.advance(bySeconds: 1)
            #expect(try await sim.stats(session: session) == Self.stats(available: 0, toBeLaunched: 0, inProgress: 1))
        }
    }

    @Test("Generated transaction ids count up from the configured first id; given ids are kept")
    func transactionIds() async throws {
        try await SimulatorHarness.run(configuration: SimulatorConfiguration(firstTransactionId: 100)) { sim in
            let session = try await sim.login()
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.first)"}, {"phoneNumber": "\#(Numbers.second)", "transactionId": 5}"#)
            _ = try await sim.launch(session: session, entries: #"{"phoneNumber": "\#(Numbers.third)"}"#)
            #expect(sim.simulator.launches.map(\.entry.transactionId) == [100, 5, 101])
        }
    }
}

@Suite("A service queue as a value")
struct ServiceQueueTests {
    static let utc = IANATimeZone.named("UTC")!

    @Test("A call dialed at the instant its timeout elapses went out")
    func dialWinsTie() {
        var queue = ServiceQueue(configuration: ServiceConfiguration(id: 1, availableAgents: 1, dialDelaySeconds: 10), failureZone: Self.utc, now: 0)
        queue.enqueue(transactionId: 1, phoneNumber: Numbers.first, dialingTimeout: 10, now: 0)
        queue.advance(to: 10)
        #expect(queue.stats.callsInProgress == 1)
        #expect(queue.nonAttempted.isEmpty)
    }

    @Test("A freed agent takes the next waiting call at the instant it is freed")
    func freedAgentTakesNext() {
        var queue = ServiceQueue(configuration: ServiceConfiguration(id: 1, availableAgents: 1, dialDelaySeconds: 0, callDurationSeconds: 5),
                                 failureZone: Self.utc, now: 0)
        queue.enqueue(transactionId: 1, phoneNumber: Numbers.first, dialingTimeout: nil, now: 0)
        queue.enqueue(transactionId: 2, phoneNumber: Numbers.second, dialingTimeout: 5, now: 0)
        queue.advance(to: 5)
        #expect(queue.inProgress == [.init(transactionId: 2, endsAt: 10)])
        #expect(queue.completedCount == 1)
    }

    @Test("timeOfFailure cuts trailing zeros of the fraction but keeps one digit", arguments: [
        (1_391_697_842.2, "2014-02-06T14:44:02.2"),
        (1_391_697_842.0, "2014-02-06T14:44:02.0"),
        (1_391_697_842.25, "2014-02-06T14:44:02.25"),
        (1_391_697_842.123, "2014-02-06T14:44:02.123"),
    ])
    func timestamp(epochSeconds: Double, expected: String) {
        #expect(LiveVoxTimestamp.format(epochSeconds: epochSeconds, zone: Self.utc) == expected)
    }
}
