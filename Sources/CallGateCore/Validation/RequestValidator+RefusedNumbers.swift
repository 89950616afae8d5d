extension RequestValidator {
    /// What a refused body still says for the audit trail: how many entries it had, and the
    /// numbers in it that are valid, so that ops find refused requests for a number too.
    public struct RefusedBody: Sendable, Hashable {
        /// The entries of a batch, 1 for a single callback; nil when the body has neither.
        public var entryCount: Int?
        /// The valid numbers among the entries, in order.
        public var phones: [PhoneNumber]
    }

    /// The entry count and valid numbers of a body `manualCalls` or `callback` refused.
    public func refusedBody(_ body: JSONValue, surface: Surface) -> RefusedBody {
        let names = Self.names(surface)
        var values: [JSONValue] = []
        var entryCount: Int?
        if case .array(let entries)? = body[names.batch] {
            entryCount = entries.count
            values = entries.compactMap { $0[names.phone] }
        } else if let phone = body[names.phone] {
            entryCount = 1
            values = [phone]
        }
        let phones = values.compactMap { value -> PhoneNumber? in
            guard case .string(let text) = value else { return nil }
            return try? PhoneNumber.parse(text, allowed: allowedRegions)
        }
        return RefusedBody(entryCount: entryCount, phones: phones)
    }
}
