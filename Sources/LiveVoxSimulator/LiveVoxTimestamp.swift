import CallGateCore

/// LiveVox's `timeOfFailure` form: a local date-time without offset whose fraction has its
/// trailing zeros cut, as in the reference's `2014-02-06T14:44:02.2` (and `.0` on a whole second).
enum LiveVoxTimestamp {
    /// Formats an instant as the wall-clock time of `zone`.
    static func format(epochSeconds: Double, zone: IANATimeZone) -> String {
        let millis = Int64((epochSeconds * 1000).rounded())
        var text = Substring(zone.localDateTime(atEpochMillis: millis).local.iso8601)
        while text.hasSuffix("0"), !text.hasSuffix(".0") { text = text.dropLast() }
        return String(text)
    }
}
