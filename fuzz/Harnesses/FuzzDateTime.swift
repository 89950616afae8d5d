import CallGateCore

/// Resolves `bytes` as a date-time (the first line) and an optional time zone name (the second)
/// and returns every broken invariant: the instant lies from 1970 through 2100, its UTC and local
/// ISO 8601 forms resolve back to it, and a zone given resolves on its own.
public func fuzzDateTime(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false)
    let text = String(decoding: lines[0], as: UTF8.self)
    let zone = lines.count > 1 ? String(decoding: lines[1], as: UTF8.self) : nil
    guard let resolved = try? ResolvedDateTime.resolve(.text(text), timeZone: zone) else { return [] }
    var broken: [String] = []
    if !(ResolvedDateTime.earliestEpochMillis...ResolvedDateTime.latestEpochMillis).contains(resolved.epochMillis) {
        broken.append("'\(text)' resolved to \(resolved.epochMillis), outside 1970 through 2100")
    }
    for form in [resolved.utcISO8601, resolved.localISO8601].compactMap(\.self) {
        let again = try? ResolvedDateTime.resolve(.text(form), timeZone: nil).epochMillis
        if again != resolved.epochMillis { broken.append("'\(text)' gave '\(form)', which resolves to \(again.map(String.init) ?? "an error")") }
    }
    if let zone, (try? ResolvedTimeZone.resolve(zone)) == nil {
        broken.append("the time zone '\(zone)' resolved with a date-time but not alone")
    }
    return broken
}
