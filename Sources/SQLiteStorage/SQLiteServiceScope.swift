/// The SQL of a principal's scope: only rows addressing one of its services.
///
/// The ids are written into the statement's text rather than bound: they are integers, so nothing
/// can be injected, and the statements that take a scope keep their parameters as they are. A
/// statement is cached per text, so a scope costs one preparation per distinct set of services.
enum SQLiteServiceScope {
    /// `column IN (…)` over `services` in ascending order (one text per set); a NULL `column` (a
    /// record without a service) never matches, and an empty set matches nothing.
    static func condition(_ column: String, _ services: Set<Int64>) -> String {
        "\(column) IN (\(services.sorted().map(String.init).joined(separator: ",")))"
    }
}
