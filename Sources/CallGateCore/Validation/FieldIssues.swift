/// The errors found in one request body, gathered without letting the body choose their cost: the
/// first ``listLimit`` in document order are kept whole, the rest only counted, and every distinct
/// code is kept (for the audit trail). A body of 100,000 unknown keys so costs a hundred sentences,
/// not a hundred thousand.
public struct FieldIssues: Sendable, Hashable {
    /// The most errors kept whole: enough to fix a request in one round trip.
    public static let listLimit = 100

    /// The first ``listLimit`` errors, in document order.
    public private(set) var listed: [FieldIssue] = []
    /// How many errors were found, listed or not.
    public private(set) var count = 0
    /// Each distinct code, in order of first appearance.
    public private(set) var codes: [String] = []

    /// No error yet.
    public init() {}

    /// These errors, all listed when there are at most ``listLimit``.
    public init(_ issues: [FieldIssue]) {
        for issue in issues { append(issue) }
    }

    /// No error was found.
    public var isEmpty: Bool { count == 0 }

    /// Records an error built whole (with what a calling-window refusal adds).
    public mutating func append(_ issue: FieldIssue) {
        count += 1
        if !codes.contains(issue.code) { codes.append(issue.code) }
        if listed.count < Self.listLimit { listed.append(issue) }
    }

    /// Records an error; its pointer and sentence are only built while it will be listed.
    public mutating func append(_ code: String, at pointer: @autoclosure () -> String, _ detail: @autoclosure () -> String) {
        count += 1
        if !codes.contains(code) { codes.append(code) }
        if listed.count < Self.listLimit { listed.append(FieldIssue(pointer: pointer(), code: code, detail: detail())) }
    }
}
