/// A refusal from the domain core: a stable machine-readable code and a sentence a person understands.
///
/// Every domain (phone numbers, time zones, date-times, ...) has its own `Code` enum; the raw value is
/// the stable code that callers see in problem documents and `callgate check` output.
public protocol CodedError: Error, Sendable, Equatable {
    /// The stable codes of this domain.
    associatedtype Code: RawRepresentable<String> & CaseIterable & Sendable & Hashable
    /// The stable code, e.g. `invalid_area_code`.
    var code: Code { get }
    /// One sentence that says what is wrong and what would be accepted.
    var detail: String { get }
}

extension CodedError {
    /// The stable code as a string, as it appears on the wire.
    public var codeString: String { code.rawValue }
}
