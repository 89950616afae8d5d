import CallGateCore

/// The `/v1` filters of non-attempted calls: `category` and `errorCode`, each optional.
struct NonAttemptedFilter: Sendable, Hashable {
    var category: NonAttemptedCallCode.Category?
    var errorCode: Int?

    func matches(errorCode code: Int, category found: NonAttemptedCallCode.Category?) -> Bool {
        if let errorCode, errorCode != code { return false }
        if let category, category != found { return false }
        return true
    }

    static func parse(query: String?) throws(Problem) -> NonAttemptedFilter {
        var filter = NonAttemptedFilter()
        guard let query else { return filter }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0], value = parts.count > 1 ? parts[1] : ""
            switch name {
            case "category":
                guard let category = NonAttemptedCallCode.Category(rawValue: String(value)) else {
                    let known = NonAttemptedCallCode.Category.allCases.map(\.rawValue).joined(separator: ", ")
                    throw Problem(400, .invalidQuery, "category '\(value.prefix(40))' is not one of: \(known).")
                }
                filter.category = category
            case "errorCode":
                guard let code = Int(value), code > 0 else {
                    throw Problem(400, .invalidQuery, "errorCode '\(value.prefix(40))' is not a LiveVox error code (a positive integer such as 998).")
                }
                filter.errorCode = code
            default:
                throw Problem(400, .invalidQuery, "Unknown query parameter '\(name.prefix(40))'; the filters are category and errorCode.")
            }
        }
        return filter
    }
}
