import CallGateCore
import Testing

@testable import CallGate

@Suite("A letter is not a digit, on both surfaces (real simulator, real curl)", .serialized)
struct PhoneLettersGatewayTests {
    static let detail = "\"4152O57483\" contains the letter \"O\" at position 5; a letter is not a digit. Keypad letters are read only in a vanity number of three letters or more, such as 1-800-FLOWERS."

    @Test("/v1 refuses 4152O57483 (letter O) with 422 contains_letters at the phone's pointer, and calls no one")
    func v1() async throws {
        try await withGateway { gateway in
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "4152O57483"}, {"phone": "1-800-FLOWERS"}]}"#)
            #expect(answer.status == 422)
            guard case .array(let errors)? = answer.json?["errors"] else { Issue.record("no errors: \(answer.text)"); return }
            #expect(errors.map { $0["pointer"] } == [.string("/calls/0/phone")])
            #expect(errors.map { $0["code"] } == [.string("contains_letters")])
            #expect(errors.map { $0["detail"] } == [.string(Self.detail)])
            #expect(gateway.simulator.simulator.launches.isEmpty)
        }
    }

    @Test("The compatible surface refuses the same number with the same code, and forwards a vanity number as its digits")
    func compatible() async throws {
        try await withGateway { gateway in
            let refused = await gateway.send("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", key: "manager",
                                             body: #"{"callEntry": [{"phoneNumber": "4152O57483"}]}"#)
            #expect(refused.status == 422)
            guard case .array(let errors)? = refused.json?["errors"] else { Issue.record("no errors: \(refused.text)"); return }
            #expect(errors.map { $0["code"] } == [.string("contains_letters")])
            #expect(gateway.simulator.simulator.launches.isEmpty)

            let vanity = await gateway.send("POST", "/callControl/supervisor/calls/21429/LaunchManualCalls", key: "manager",
                                            body: #"{"callEntry": [{"phoneNumber": "1-800-FLOWERS"}]}"#)
            #expect(vanity.status == 204)
            #expect(gateway.simulator.simulator.launches.map(\.entry.phoneNumber) == ["8003569377"])
        }
    }
}
