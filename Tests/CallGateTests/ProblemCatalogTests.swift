import Foundation
import Testing
@testable import CallGate

/// The problem codes callers build on are the ones the README and the contract describe.
struct ProblemCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("The README's table of problem codes has exactly one row per code, and no other", arguments: Problem.Code.allCases)
    func readmeRow(code: Problem.Code) throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| `\(code.rawValue)` |") }
        #expect(rows.count == 1, "README.md should have one row for \(code.rawValue)")
    }

    @Test("Every code the README's problem table names is a code CallGate answers")
    func noStaleRows() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let header = "| status | code | when |"
        let table = try #require(readme.range(of: header))
        let rows = readme[table.upperBound...].split(separator: "\n").dropFirst().prefix { $0.hasPrefix("|") }
        let named = rows.compactMap { row in row.split(separator: "|").dropFirst().first }
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
        #expect(named.sorted() == Problem.Code.allCases.map(\.rawValue).sorted())
    }
}
