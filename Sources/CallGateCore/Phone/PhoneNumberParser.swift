/// The byte scanner behind `PhoneNumber.parse`: one pass over UTF-8, no allocation unless it refuses.
///
/// Rules, in the order the scan meets them:
/// - White space around the text is ignored; nothing left is `empty`.
/// - Separators are ignored: space, tab, `.`, `-`, `/`, no-break and other Unicode spaces, Unicode dashes;
///   `(` and `)` too, but they must pair up without nesting (`unbalanced_parentheses`).
/// - `+` may only come first, and must be followed by the country code 1 (`invalid_country_code`).
/// - Letters before the first digit are text around the number (`text_around_number`), e.g. "Tel 212…".
/// - After at least 7 digits, an extension marker followed by digits is `extension_not_supported`:
///   `x`, `ex`, `ext`, `extn`, `extension` (any case, optionally followed by `.`, `:`, `=` or spaces),
///   `#`, `;`, `;ext=`, `,`.
/// - Other letters are keypad letters (ABC=2 … WXYZ=9) while the number is incomplete (10 symbols, or 11
///   when it starts with 1 or +); a word of letters after a complete number is `text_around_number`,
///   while a keypad word that runs past the end (1-800-MATTRESS) makes the number `too_long`.
/// - Any other character is `invalid_characters`.
/// - A letter before the third digit (the country code 1 counts) is `contains_letters`: libphonenumber
///   takes no text for a number that does not start with three digits (`VALID_PHONE_NUMBER`).
/// - Then the letters: libphonenumber reads keypad letters only in a vanity number, one with three
///   letters or more (`VALID_ALPHA_PHONE_PATTERN`); with one or two it drops them, which leaves a
///   number too short (`4152O57483`, letter O) or, when the letter was typed besides the digits
///   rather than for one, the number without it. Either way the letter is a typo: `contains_letters`.
/// - Then the count: 10 digits, or 11 when the first is the country code 1 (always after `+`);
///   fewer is `too_short`, more is `too_long`. Ten digits starting with 1 are an area code 1xx.
/// - Then libphonenumber's verdict from the tables. When it refuses, the reason is the first of:
///   the area code starts with 0/1 or is N11 or has no valid number in any region (`invalid_area_code`),
///   the exchange starts with 0/1 or is N11 (`invalid_exchange`), otherwise `unassigned_number`.
///   The structural rules only explain a refusal: a number libphonenumber accepts is accepted.
enum PhoneNumberParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(PhoneRefusal) -> PhoneNumber {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        guard start < end else { throw PhoneRefusal(code: .empty) }

        var value: UInt64 = 0      // the first 11 symbols as digits
        var count = 0              // digits and keypad letters so far
        var letters = 0            // keypad letters so far
        var target = 10            // symbols that make a complete number
        var sawPlus = false
        var inParentheses = false
        var wordHasKeypadLetter = false
        var previousIsLetter = false
        var index = start
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = byte &- UInt8(ascii: "0")
                if count == 0 {
                    if sawPlus && digit != 1 { throw PhoneRefusal(code: .invalidCountryCode, position: index) }
                    target = sawPlus || digit == 1 ? 11 : 10
                }
                if count < 11 { value = value &* 10 &+ UInt64(digit) }
                count &+= 1
                previousIsLetter = false
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                if count == 0 {
                    throw hasDigit(bytes, from: index, to: end)
                        ? PhoneRefusal(code: .textAroundNumber, position: index) : PhoneRefusal(code: .noDigits)
                }
                if count < 3 { throw PhoneRefusal(code: .containsLetters) }
                if !previousIsLetter && count >= 7 && isExtension(bytes, letterAt: index, to: end) {
                    throw PhoneRefusal(code: .extensionNotSupported, position: index)
                }
                if count >= target && !wordHasKeypadLetter {
                    throw PhoneRefusal(code: .textAroundNumber, position: index)
                }
                if count < 11 { value = value &* 10 &+ UInt64(keypadDigit(byte)) }
                count &+= 1
                letters &+= 1
                wordHasKeypadLetter = true
                previousIsLetter = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "/"):
                wordHasKeypadLetter = false
                previousIsLetter = false
            case UInt8(ascii: "("):
                if inParentheses { throw PhoneRefusal(code: .unbalancedParentheses, position: index) }
                inParentheses = true
                wordHasKeypadLetter = false
                previousIsLetter = false
            case UInt8(ascii: ")"):
                if !inParentheses { throw PhoneRefusal(code: .unbalancedParentheses, position: index) }
                inParentheses = false
                wordHasKeypadLetter = false
                previousIsLetter = false
            case UInt8(ascii: "+"):
                if count > 0 || sawPlus { throw PhoneRefusal(code: .invalidCharacters, position: index) }
                sawPlus = true
            case UInt8(ascii: "#"), UInt8(ascii: ";"), UInt8(ascii: ","):
                if count >= 7 && isExtension(bytes, symbolAt: index, to: end) {
                    throw PhoneRefusal(code: .extensionNotSupported, position: index)
                }
                throw PhoneRefusal(code: .invalidCharacters, position: index)
            default:
                let width = unicodeSeparatorWidth(bytes, at: index, to: end)
                if width == 0 { throw PhoneRefusal(code: .invalidCharacters, position: index) }
                index &+= width - 1
                wordHasKeypadLetter = false
                previousIsLetter = false
            }
            index &+= 1
        }
        if inParentheses { throw PhoneRefusal(code: .unbalancedParentheses, position: end) }
        if count == 0 { throw PhoneRefusal(code: .noDigits) }
        if letters != 0 && letters < 3 { throw PhoneRefusal(code: .containsLetters) }

        // A leading 1 is the country code when 11 or more symbols follow it (always after +).
        let leadingOne = target == 11 && (sawPlus || count > 10)
        let nationalCount = leadingOne ? count - 1 : count
        if nationalCount != 10 {
            throw PhoneRefusal(code: nationalCount < 10 ? .tooShort : .tooLong, position: nationalCount, flags: leadingOne ? 1 : 0)
        }
        let national = leadingOne ? value &- 10_000_000_000 : value
        return try lookUp(national)
    }

    /// libphonenumber's verdict on a 10-digit number, with the reason when it refuses.
    @inline(__always)
    static func lookUp(_ national: UInt64) throws(PhoneRefusal) -> PhoneNumber {
        let npa = Int(truncatingIfNeeded: national / 10_000_000)
        if npa < 200 { throw PhoneRefusal(code: .invalidAreaCode, national: national) }
        let tables = PhoneTables.shared
        let key = UInt16(truncatingIfNeeded: national / 1000 % 10_000)
        let numberClass = tables.numberClass(npa: npa, key: key)
        guard let region = numberClass.region else {
            let nxx = key / 10
            let code: PhoneNumberError.Code =
                if npa % 100 == 11 || !tables.isInService(npa: npa) { .invalidAreaCode }
                else if nxx < 200 || nxx % 100 == 11 { .invalidExchange }
                else { .unassignedNumber }
            throw PhoneRefusal(code: code, national: national)
        }
        return PhoneNumber(
            nationalNumber: national, region: region, isTollFree: numberClass.isTollFree, zoneSet: numberClass.zoneSet
        )
    }

    // MARK: - Character classes

    @inline(__always)
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// The digit of a letter on a phone keypad: ABC=2, DEF=3, GHI=4, JKL=5, MNO=6, PQRS=7, TUV=8, WXYZ=9.
    @inline(__always)
    private static func keypadDigit(_ letter: UInt8) -> UInt8 {
        let offset = (letter | 0x20) &- UInt8(ascii: "a")  // 0...25
        switch offset {
        case 0...14: return 2 &+ offset / 3          // a...o
        case 15...18: return 7                        // p q r s
        case 19...21: return 8                        // t u v
        default: return 9                             // w x y z
        }
    }

    /// Bytes of a separator outside ASCII at `index`: U+00A0, U+2000...U+200A, U+202F (spaces),
    /// U+2010...U+2015 (dashes), U+2212 (minus); 0 for anything else.
    @inline(__always)
    private static func unicodeSeparatorWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, to end: Int) -> Int {
        let byte = bytes[index]
        if byte == 0xC2, index + 1 < end, bytes[index + 1] == 0xA0 { return 2 }
        guard byte == 0xE2, index + 2 < end else { return 0 }
        let second = bytes[index + 1], third = bytes[index + 2]
        if second == 0x80 && ((0x80...0x8A).contains(third) || (0x90...0x95).contains(third) || third == 0xAF) { return 3 }
        if second == 0x88 && third == 0x92 { return 3 }
        return 0
    }

    // MARK: - Extensions

    /// Whether the letters at `index` are an extension marker followed by digits.
    private static func isExtension(_ bytes: UnsafeBufferPointer<UInt8>, letterAt index: Int, to end: Int) -> Bool {
        var wordEnd = index
        while wordEnd < end, isLetter(bytes[wordEnd]) { wordEnd += 1 }
        let word = UnsafeBufferPointer(rebasing: bytes[index..<wordEnd])
        let markers: [StaticString] = ["x", "ex", "ext", "extn", "extension"]
        guard markers.contains(where: { equalsIgnoringCase(word, $0) }) else { return false }
        return digitsFollow(bytes, from: wordEnd, to: end)
    }

    /// Whether the `#`, `;` or `,` at `index` (optionally followed by `ext`) introduces digits.
    private static func isExtension(_ bytes: UnsafeBufferPointer<UInt8>, symbolAt index: Int, to end: Int) -> Bool {
        var position = index + 1
        if position + 3 <= end, equalsIgnoringCase(UnsafeBufferPointer(rebasing: bytes[position..<position + 3]), "ext") {
            position += 3
        }
        return digitsFollow(bytes, from: position, to: end)
    }

    /// Whether the ASCII letters of `word` spell the lowercase `marker`, in any case.
    private static func equalsIgnoringCase(_ word: UnsafeBufferPointer<UInt8>, _ marker: StaticString) -> Bool {
        guard word.count == marker.utf8CodeUnitCount else { return false }
        return marker.withUTF8Buffer { marker in zip(word, marker).allSatisfy { $0 | 0x20 == $1 } }
    }

    /// Whether, after optional `.`, `:`, `=` and spaces, a digit comes at `position`.
    private static func digitsFollow(_ bytes: UnsafeBufferPointer<UInt8>, from position: Int, to end: Int) -> Bool {
        var position = position
        while position < end, [UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: " ")].contains(bytes[position]) {
            position += 1
        }
        return position < end && isDigit(bytes[position])
    }

    // MARK: - Pieces for the sentences (refusal path only)

    private static func hasDigit(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int, to end: Int) -> Bool {
        bytes[index..<end].contains(where: isDigit)
    }

    static func word(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        let end = bytes.count
        var wordStart = index
        while wordStart > 0, isLetter(bytes[wordStart - 1]) { wordStart -= 1 }
        var wordEnd = index
        while wordEnd < end, isLetter(bytes[wordEnd]) { wordEnd += 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[wordStart..<wordEnd]), as: UTF8.self)
        return text.count > 20 ? text.prefix(20) + "…" : text
    }

    /// The letters of the input and their positions, counted in characters from 1.
    static func letters(_ bytes: UnsafeBufferPointer<UInt8>) -> [(letter: Character, position: Int)] {
        String(decoding: bytes, as: UTF8.self).enumerated().compactMap { offset, character in
            character.isASCII && character.isLetter ? (character, offset + 1) : nil
        }
    }

    static func countryCode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        let end = bytes.count
        var digits = ""
        var position = index
        while position < end, isDigit(bytes[position]), digits.count < 3 {
            digits.append(Character(UnicodeScalar(bytes[position])))
            position += 1
        }
        return digits
    }

    /// The character at `index`, or its code point when it is invisible or not valid UTF-8.
    static func character(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> String {
        let end = bytes.count
        var decoder = UTF8()
        var iterator = bytes[index..<end].makeIterator()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else {
            return "byte 0x" + String(bytes[index], radix: 16, uppercase: true)
        }
        if scalar.properties.generalCategory == .control || scalar.properties.isWhitespace || scalar.value == 0xFFFD {
            return "U+" + String(scalar.value, radix: 16, uppercase: true)
        }
        return String(scalar)
    }
}
