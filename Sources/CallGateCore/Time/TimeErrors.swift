/// Why a time zone name was refused.
public struct TimeZoneError: CodedError {
    /// The stable codes for time zone refusals.
    public enum Code: String, CaseIterable, Sendable, Hashable {
        /// The name is empty or only spaces.
        case empty
        /// Not a LiveVox code, US abbreviation or IANA zone name.
        case unknownTimezone = "unknown_timezone"
        /// A real IANA zone, but no LiveVox time zone is within one hour of its standard offset.
        case unsupportedTimezone = "unsupported_timezone"
    }

    /// The stable code.
    public let code: Code
    /// One sentence that names the problem and what would be accepted.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// Why a date-time (with its optional time zone) was refused.
public struct DateTimeError: CodedError {
    /// The stable codes for date-time refusals; the time zone codes are repeated so one catalog covers
    /// a whole `{at, timeZone}` input.
    public enum Code: String, CaseIterable, Sendable, Hashable {
        /// The date-time or the time zone is empty.
        case empty
        /// Not epoch milliseconds or an ISO 8601 date-time, or a field is out of range (month 13, April 31, ...).
        case invalidDatetime = "invalid_datetime"
        /// A local date-time without an offset, and no time zone to place it.
        case missingTimezone = "missing_timezone"
        /// A local time that the zone's clocks skip (a daylight saving time gap).
        case nonexistentLocalTime = "nonexistent_local_time"
        /// The instant is before 1970-01-01T00:00:00Z or from 2101-01-01T00:00:00Z on.
        case outOfRange = "out_of_range"
        /// The time zone is not a LiveVox code, US abbreviation or IANA zone name.
        case unknownTimezone = "unknown_timezone"
        /// The time zone is real but no LiveVox time zone fits it.
        case unsupportedTimezone = "unsupported_timezone"
    }

    /// The stable code.
    public let code: Code
    /// One sentence that names the problem and what would be accepted.
    public let detail: String

    init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// The same refusal for the time zone part of a date-time input.
    init(_ error: TimeZoneError) {
        switch error.code {
        case .empty: self.init(.empty, error.detail)
        case .unknownTimezone: self.init(.unknownTimezone, error.detail)
        case .unsupportedTimezone: self.init(.unsupportedTimezone, error.detail)
        }
    }

    /// Caller text quoted for a sentence, shortened so a huge input cannot flood a log line.
    static func quoted(_ text: String) -> String {
        text.count <= 64 ? "'\(text)'" : "'\(text.prefix(61))...'"
    }
}

/// Something the caller should know about an accepted time zone or date-time.
public struct TimeWarning: Sendable, Hashable {
    /// The stable warning codes.
    public enum Code: String, CaseIterable, Sendable, Hashable {
        /// The zone has no exact LiveVox time zone; the nearest one was substituted.
        case timezoneApproximated = "timezone_approximated"
        /// The local time occurs twice (clocks fell back); the earlier instant was used.
        case ambiguousLocalTime = "ambiguous_local_time"
    }

    /// The stable code.
    public let code: Code
    /// One sentence that says what was substituted or chosen and how it differs.
    public let detail: String

    /// A warning with its code and sentence.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}
