import Testing

@testable import CallGateCore

@Suite("Field issues: the first listed, all counted")
struct FieldIssuesTests {
    @Test("Past the list limit an error is counted and its code kept, but its sentence is not built")
    func listLimit() {
        var issues = FieldIssues()
        var sentencesBuilt = 0
        func sentence(_ index: Int) -> String {
            sentencesBuilt += 1
            return "error \(index)"
        }
        for index in 0..<250 {
            issues.append(index == 200 ? "out_of_range" : "unknown_field", at: "/\(index)", sentence(index))
        }
        #expect(issues.count == 250)
        #expect(issues.listed.count == FieldIssues.listLimit)
        #expect(issues.listed.last == FieldIssue(pointer: "/99", code: "unknown_field", detail: "error 99"))
        #expect(issues.codes == ["unknown_field", "out_of_range"])
        #expect(sentencesBuilt == FieldIssues.listLimit)
    }

    @Test("A body of 100,000 unknown keys is refused with 100 errors listed and 100,000 counted")
    func manyUnknownKeys() throws {
        let keys = (0..<100_000).map { "\"k\($0)\":1" }.joined(separator: ",")
        let body = try JSONParser.parse(#"{"calls":[{"phone":"4152057483"}],"# + keys + "}")
        let result = RequestValidator(maxBatchSize: 10).manualCalls(body, surface: .v1)
        guard case .failure(let failure) = result else {
            Issue.record("accepted")
            return
        }
        #expect(failure.issues.count == 100_000)
        #expect(failure.errors.count == 100)
        #expect(failure.errors.first?.pointer == "/k0")
        #expect(failure.issues.codes == ["unknown_field"])
    }
}
