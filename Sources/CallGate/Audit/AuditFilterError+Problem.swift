import CallGateAuditFilters

extension Problem {
    /// A refused filter or paging parameter as the HTTP surface answers it: 400 `invalid_query`,
    /// the sentence naming the parameter.
    init(_ refusal: AuditFilterError) {
        self.init(400, .invalidQuery, refusal.sentence())
    }
}
