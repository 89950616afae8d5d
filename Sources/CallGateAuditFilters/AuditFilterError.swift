/// Why a filter of the audit trail (or a paging parameter of the deliveries) is refused: a code, the
/// parameter it names, and the rest of the sentence. The service answers it as a 400
/// `invalid_query` problem; the command line says it naming its flag.
public struct AuditFilterError: Error, Hashable, Sendable {
    /// The stable kinds of refusal.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// The parameter is not one the endpoint takes.
        case unknownParameter = "unknown_parameter"
        /// The parameter is given twice.
        case repeatedParameter = "repeated_parameter"
        /// The parameter's value is not one it takes.
        case invalidValue = "invalid_value"
        /// `until` is not after `since`.
        case emptyTimeWindow = "empty_time_window"
        /// The name or the value is not valid percent-encoded UTF-8.
        case invalidEncoding = "invalid_encoding"
    }

    /// What kind of refusal it is.
    public let code: Code
    /// The parameter refused, as given; nil only for a name that is not valid percent-encoded UTF-8.
    public let parameter: String?
    /// The rest of the sentence after the parameter's name, without the full stop.
    public let reason: String

    /// A refusal of `parameter` because it `reason` ("is '0': use ...").
    public init(_ code: Code, parameter: String?, reason: String) {
        self.code = code
        self.parameter = parameter
        self.reason = reason
    }

    /// The refusal as one sentence; `describe` names the parameter (the command line says `--phone`).
    public func sentence(naming describe: (String) -> String = AuditFilters.queryParameter) -> String {
        guard let parameter else { return "A query parameter name is not valid percent-encoded UTF-8." }
        return "\(describe(AuditFilters.shown(parameter))) \(reason)."
    }
}
