/// A refused request body: the field errors found (``FieldIssues``: the first of them listed, all
/// counted), in document order.
public struct ValidationFailure: Error, Sendable, Hashable {
    /// The errors; never empty.
    public let issues: FieldIssues

    /// Creates a failure.
    public init(_ issues: FieldIssues) { self.issues = issues }

    /// A failure of these few errors.
    public init(errors: [FieldIssue]) { self.issues = FieldIssues(errors) }

    /// The listed errors (all of them, up to ``FieldIssues/listLimit``).
    public var errors: [FieldIssue] { issues.listed }
}
