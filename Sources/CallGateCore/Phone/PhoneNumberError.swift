/// Why a text is not a North American phone number that LiveVox can dial.
///
/// The checks run in this order, and the first failing one is reported:
/// 1. characters, left to right: `empty`, `no_digits`, `text_around_number`, `extension_not_supported`,
///    `invalid_characters`, `invalid_country_code`, `unbalanced_parentheses`; then `contains_letters`;
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
        /// A `(` without its `)`, a `)` without its `(`, or nested parentheses.
        case unbalancedParentheses = "unbalanced_parentheses"
        /// Words before or after the number ("call 212 555 1234 now"): LiveVox dials only the number.
        case textAroundNumber = "text_around_number"
        /// An extension ("x5", "ext. 5", "#5", ";ext=5", ",5"): LiveVox cannot dial extensions.
        case extensionNotSupported = "extension_not_supported"
        /// One or two letters among the digits ("4152O57483", letter O): a typo, not a vanity
        /// number, which has three letters or more (libphonenumber's rule, `1-800-FLOWERS`); or a
        /// letter before the third digit, where libphonenumber reads no vanity number either.
        case containsLetters = "contains_letters"
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
    /// The refused text.
    public let input: String
    /// What the sentence needs: the 10 digits, a byte offset into `input` or a digit count, flags.
    let facts: PhoneRefusal

    init(_ refusal: PhoneRefusal, input: String) {
        self.code = refusal.code
        self.input = input
        self.facts = refusal
    }

    /// One sentence naming the offending part and what would be accepted. Built when read, so that
    /// refusing a number in a bulk check costs no more than accepting one.
    public var detail: String {
        let bytes = Array(input.utf8)
        return bytes.withUnsafeBufferPointer { sentence(for: $0) }
    }
}

/// The facts of a refusal, as the parser finds them (no allocation).
struct PhoneRefusal: Error, Sendable, Hashable {
    let code: PhoneNumberError.Code
    /// The 10 national digits, for refusals of a whole number.
    var national: UInt64 = 0
    /// A byte offset into the input (characters, words), a digit count (too short, too long),
    /// or a region index (unsupported region).
    var position: Int = 0
    /// too_short/too_long: 1 when the count follows a country code 1; unsupported_region: the allowed set.
    var flags: UInt32 = 0
}

// MARK: - Sentences

extension PhoneNumberError {
    private func sentence(for bytes: UnsafeBufferPointer<UInt8>) -> String {
        let quoted = Self.quote(bytes)
        let national = facts.national
        let npa = national / 10_000_000, nxx = national / 10_000 % 1000
        switch code {
        case .empty:
            return "The phone number is empty."
        case .noDigits:
            return "\(quoted) is not a phone number: it contains no digits."
        case .invalidCharacters:
            return "\(quoted) contains \"\(PhoneNumberParser.character(bytes, at: facts.position))\"; a phone number may contain only digits, keypad letters, spaces and . - / ( ), and + only in front."
        case .unbalancedParentheses:
            return "\(quoted) has unbalanced parentheses; write the area code as (212)."
        case .textAroundNumber:
            return "\(quoted) contains the text \"\(PhoneNumberParser.word(bytes, at: facts.position))\" besides the number; send only the number."
        case .extensionNotSupported:
            return "\(quoted) has an extension; LiveVox cannot dial extensions, send only the 10-digit number."
        case .containsLetters:
            // Refused with three letters or more, a vanity number has a letter before its third digit.
            let letters = PhoneNumberParser.letters(bytes).map { "\"\($0.letter)\" at position \($0.position)" }
            if letters.count > 2 {
                return "\(quoted) has the letter \(letters[0]), before its third digit; a vanity number starts with three digits at least, such as 1-800-FLOWERS."
            }
            let named = letters.count == 1 ? "the letter \(letters[0])" : "the letters " + letters.joined(separator: " and ")
            return "\(quoted) contains \(named); a letter is not a digit. Keypad letters are read only in a vanity number of three letters or more, such as 1-800-FLOWERS."
        case .invalidCountryCode:
            return "\(quoted) has country code +\(PhoneNumberParser.countryCode(bytes, at: facts.position)); only North American numbers (+1) are accepted."
        case .tooShort:
            return "\(quoted) has \(digitCount); a North American number has 10 (a 3-digit area code and a 7-digit number)."
        case .tooLong:
            return "\(quoted) has \(digitCount); a North American number has 10 (a 3-digit area code and a 7-digit number), optionally after a leading 1."
        case .invalidAreaCode where npa < 200:
            return "Area code \(Self.threeDigits(npa)) does not exist: North American area codes start with 2-9."
        case .invalidAreaCode where npa % 100 == 11:
            return "Area code \(npa) does not exist: \(npa) is a service code, not an area code."
        case .invalidAreaCode:
            return "Area code \(npa) is not in service in any North American region."
        case .invalidExchange where nxx < 200:
            return "Exchange \(Self.threeDigits(nxx)) in \(Self.dashed(national)) is invalid: exchanges start with 2-9."
        case .invalidExchange:
            return "Exchange \(nxx) in \(Self.dashed(national)) is invalid: \(nxx) is a service code, not an exchange, in area code \(npa)."
        case .unassignedNumber:
            return "\(Self.dashed(national)) is not an assigned North American number."
        case .unsupportedRegion:
            let region = PhoneRegion.allCases[facts.position]
            let list = PhoneRegionSet(rawValue: facts.flags).regions.map(\.rawValue).joined(separator: ", ")
            return "\(Self.dashed(national)) is a number in \(region.name) (\(region.rawValue)); only numbers in \(list.isEmpty ? "no region" : list) are accepted."
        }
    }

    private var digitCount: String {
        let digits = facts.position
        return "\(digits) digit\(digits == 1 ? "" : "s")\(facts.flags == 1 ? " after the country code 1" : "")"
    }

    /// The input as it may appear in a sentence: at most 40 characters.
    private static func quote(_ input: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: input, as: UTF8.self)
        return text.count > 40 ? "\"\(text.prefix(40))…\"" : "\"\(text)\""
    }

    /// 2125551234 as 212-555-1234.
    private static func dashed(_ national: UInt64) -> String {
        let digits = String(national)
        return "\(digits.prefix(3))-\(digits.dropFirst(3).prefix(3))-\(digits.dropFirst(6))"
    }

    private static func threeDigits(_ value: UInt64) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}
