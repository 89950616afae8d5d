import CallGateCore
import Testing

@testable import CallGate

/// A body's cost is bounded before it is validated: batches too long are refused while parsing,
/// documents of too many values are refused, and an answer lists at most 100 field errors.
@Suite("Body limits through the pipeline", .serialized)
struct BodyLimitTests {
    @Test("A batch longer than the limit is refused while parsing, as the validator refuses it: 422 batch_too_large at its pointer", arguments: [
        ("/v1/services/21429/manual-calls", "calls"),
        ("/callControl/supervisor/calls/21429/LaunchManualCalls", "callEntry"),
    ])
    func batchTooLarge(path: String, batch: String) async throws {
        try await withGateway(maxBatchSize: 5) { gateway in
            let entries = Array(repeating: #"{"phone": "4152057483"}"#, count: 6).joined(separator: ",")
            // The body is malformed past the sixth entry: the parse never reaches that far.
            let answer = await gateway.send("POST", path, key: "manager", body: #"{"\#(batch)": [\#(entries), "#)
            #expect(answer.status == 422)
            #expect(answer.code == "validation_failed")
            #expect(answer.json?["errorCount"] == .integer(1))
            #expect(answer.json?["errors"] == .array([.object([
                ("pointer", .string("/\(batch)")), ("code", .string("batch_too_large")),
                ("detail", .string("The array at '/\(batch)' holds more than 5 elements; send at most 5.")),
            ])]))
            #expect(gateway.simulator.simulator.launches.isEmpty)
        }
    }

    @Test("A batch of exactly the limit is accepted")
    func batchAtLimit() async throws {
        try await withGateway(maxBatchSize: 5) { gateway in
            let entries = Array(repeating: #"{"phone": "4152057483"}"#, count: 5).joined(separator: ",")
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: #"{"calls": [\#(entries)]}"#)
            #expect(answer.status == 202)
            #expect(answer.json?["accepted"] == .integer(5))
        }
    }

    @Test("A body of more values than one per 8 bytes of the body limit is refused with 400 malformed_json")
    func tooManyValues() async throws {
        try await withGateway(maxBodyBytes: 1024, maxBatchSize: 5) { gateway in
            // 1 + 5 + 25 + 125 = 156 values in 311 bytes; the limit is 1024 / 8 = 128.
            let inner = "[" + Array(repeating: "0", count: 5).joined(separator: ",") + "]"
            let middle = "[" + Array(repeating: inner, count: 5).joined(separator: ",") + "]"
            let body = "[" + Array(repeating: middle, count: 5).joined(separator: ",") + "]"
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager", body: body)
            #expect(answer.status == 400)
            #expect(answer.code == "malformed_json")
            #expect(answer.json?["detail"] == .string("The body holds more than 128 JSON values; send at most 128."))
        }
    }

    @Test("A 422 lists the first 100 field errors and counts them all")
    func errorsCapped() async throws {
        try await withGateway { gateway in
            let unknown = (0..<150).map { #""x\#($0)": 0"# }.joined(separator: ",")
            let answer = await gateway.send("POST", "/v1/services/21429/manual-calls", key: "manager",
                                            body: #"{"calls": [{"phone": "4152057483"}], \#(unknown)}"#)
            #expect(answer.status == 422)
            #expect(answer.json?["errorCount"] == .integer(150))
            #expect(answer.json?["detail"] == .string("150 fields were refused; nothing was sent to LiveVox. The first 100 are listed."))
            guard case .array(let errors)? = answer.json?["errors"] else { Issue.record("no errors"); return }
            #expect(errors.map { $0["pointer"] } == (0..<100).map { .string("/x\($0)") })
        }
    }
}
