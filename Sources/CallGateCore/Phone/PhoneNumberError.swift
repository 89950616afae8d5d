/// Why a text is not a North American phone number that LiveVox can dial.
///
/// The checks run in this order, and the first failing one is reported:
/// 1. characters, left to right: `empty`, `no_digits`, `text_around_number`, `extension_not_supported`,
///    `invalid_characters`, `invalid_country_code`, `unbalanced_parentheses`;
/// 2. the count of digits: `too_short`, `too_long`;
/// 3. the area code: `invalid_area_code`; then the exchange: `invalid_exchange`;
/// 4. libphonenumber's verdict on the whole number: `unassigned_number`, then `unsupported_region`.
public struct PhoneNumberError: CodedError {
    /// The stable codes of phone-number refusals.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The text is empty or only white space.
        case empty
        /// The text has neither digits nor keypad letters that could make a number ("n/a", "-").
        case noDigits = "no_digits"
        /// A character that no phone number contains (e.g. `*`, `_`, `@`, or a misplaced `+`).
        case invalidCharacters = "invalid_characters"
        /// A `(` without its `)`, or the reverse.
        case unbalancedParentheses = "unbalanced_parentheses"
        /// Words before or after the number ("call 212 555 1234 now"): LiveVox dials only the number.
        case textAroundNumber = "text_around_number"
        /// An extension ("x5", "ext. 5", "#5", ";ext=5", ",5"): LiveVox cannot dial extensions.
        case extensionNotSupported = "extension_not_supported"
        /// A `+` followed by a country code other than 1 (e.g. +44).
        case invalidCountryCode = "invalid_country_code"
        /// Fewer than 10 digits (after a leading country code 1).
        case tooShort = "too_short"
        /// More than 10 digits (after a leading country code 1).
        case tooLong = "too_long"
        /// The area code starts with 0 or 1, is an N11 service code (211...911), or has no
        /// valid numbers in any NANP region.
        case invalidAreaCode = "invalid_area_code"
        /// The exchange (the 3 digits after the area code) starts with 0 or 1, or is an N11 code
        /// that libphonenumber does not accept in this area code.
        case invalidExchange = "invalid_exchange"
        /// Well formed, but libphonenumber says no such number is in service.
        case unassignedNumber = "unassigned_number"
        /// A valid number of a NANP region that is not allowed (e.g. Jamaica, 876).
        case unsupportedRegion = "unsupported_region"
    }

    /// The stable code.
    public let code: Code
    /// One sentence naming the offending part and what would be accepted.
    public let detail: String

    /// An error with its code and sentence.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

// MARK: - Sentences (built only on the refusal path)

extension PhoneNumberError {
    /// The input as it may appear in a sentence: valid UTF-8, at most 40 characters.
    static func quote(_ input: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: input, as: UTF8.self)
        return text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\""
    }

    /// 2125551234 as 212-555-1234.
    static func dashed(_ national: UInt64) -> String {
        let digits = String(national)
        let npa = digits.prefix(3), nxx = digits.dropFirst(3).prefix(3), line = digits.dropFirst(6)
        return "\(npa)-\(nxx)-\(line)"
    }

    static func empty() -> Self {
        Self(.empty, "The phone number is empty.")
    }

    static func noDigits(_ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.noDigits, "\(quote(input)) is not a phone number: it contains no digits.")
    }

    static func invalidCharacter(_ character: String, _ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.invalidCharacters, "\(quote(input)) contains \"\(character)\"; a phone number may contain only digits, keypad letters, spaces and . - / ( ), and + only in front.")
    }

    static func unbalancedParentheses(_ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.unbalancedParentheses, "\(quote(input)) has unbalanced parentheses; write the area code as (212).")
    }

    static func textAround(_ word: String, _ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.textAroundNumber, "\(quote(input)) contains the text \"\(word)\" besides the number; send only the number.")
    }

    static func extensionNotSupported(_ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.extensionNotSupported, "\(quote(input)) has an extension; LiveVox cannot dial extensions, send only the 10-digit number.")
    }

    static func invalidCountryCode(_ countryCode: String, _ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.invalidCountryCode, "\(quote(input)) has country code +\(countryCode); only North American numbers (+1) are accepted.")
    }

    static func tooShort(_ digits: Int, afterCountryCode: Bool, _ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.tooShort, "\(quote(input)) has \(count(digits, afterCountryCode)); a North American number has 10 (a 3-digit area code and a 7-digit number).")
    }

    static func tooLong(_ digits: Int, afterCountryCode: Bool, _ input: UnsafeBufferPointer<UInt8>) -> Self {
        Self(.tooLong, "\(quote(input)) has \(count(digits, afterCountryCode)); a North American number has 10 (a 3-digit area code and a 7-digit number), optionally after a leading 1.")
    }

    private static func count(_ digits: Int, _ afterCountryCode: Bool) -> String {
        "\(digits) digit\(digits == 1 ? "" : "s")\(afterCountryCode ? " after the country code 1" : "")"
    }

    static func areaCodeStart(_ npa: UInt64) -> Self {
        Self(.invalidAreaCode, "Area code \(threeDigits(npa)) does not exist: North American area codes start with 2-9.")
    }

    static func areaCodeN11(_ npa: UInt64) -> Self {
        Self(.invalidAreaCode, "Area code \(npa) does not exist: \(npa) is a service code, not an area code.")
    }

    static func areaCodeNotInService(_ npa: UInt64) -> Self {
        Self(.invalidAreaCode, "Area code \(npa) is not in service in any North American region.")
    }

    static func exchangeStart(_ national: UInt64) -> Self {
        let nxx = national / 10_000 % 1000
        return Self(.invalidExchange, "Exchange \(threeDigits(nxx)) in \(dashed(national)) is invalid: exchanges start with 2-9.")
    }

    static func exchangeN11(_ national: UInt64) -> Self {
        let nxx = national / 10_000 % 1000
        return Self(.invalidExchange, "Exchange \(nxx) in \(dashed(national)) is invalid: \(nxx) is a service code, not an exchange, in area code \(national / 10_000_000).")
    }

    static func unassigned(_ national: UInt64) -> Self {
        Self(.unassignedNumber, "\(dashed(national)) is not an assigned North American number.")
    }

    static func unsupportedRegion(_ national: UInt64, _ region: PhoneRegion, allowed: [PhoneRegion]) -> Self {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return Self(.unsupportedRegion, "\(dashed(national)) is a number in \(region.name) (\(region.rawValue)); only numbers in \(list.isEmpty ? "no region" : list) are accepted.")
    }

    private static func threeDigits(_ value: UInt64) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}
