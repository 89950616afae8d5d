/// A refused request body: every field error found, in document order.
public struct ValidationFailure: Error, Sendable, Hashable {
    /// The errors; never empty.
    public let errors: [FieldIssue]

    /// Creates a failure.
    public init(errors: [FieldIssue]) { self.errors = errors }
}
