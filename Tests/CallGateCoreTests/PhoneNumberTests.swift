import Testing

@testable import CallGateCore

@Suite("Phone numbers: parsing what CRMs send")
struct PhoneNumberTests {
    @Test("Common CRM styles of one number all parse to the same 10 digits", arguments: [
        "2125551234", "212-555-1234", "(212) 555-1234", "(212)555-1234", "212.555.1234", "212/555-1234",
        "212 555 1234", "12125551234", "1-212-555-1234", "1 (212) 555-1234", "+12125551234", "+1 212 555 1234",
        "+1 (212) 555-1234", "+1-212-555-1234", "  212-555-1234\t", "212\u{00A0}555\u{00A0}1234", "212\u{2013}555\u{2013}1234",
    ])
    func styles(input: String) throws {
        let number = try PhoneNumber.parse(input)
        #expect(number.national == "2125551234")
        #expect(number.nationalNumber == 2_125_551_234)
        #expect(number.e164 == "+12125551234")
        #expect(number.region == .US)
        #expect(!number.isTollFree)
        #expect(number.timeZones == ["America/New_York"])
    }

    @Test("Keypad letters stand for their digits", arguments: [
        ("1-800-FLOWERS", "8003569377"), ("800-flowers", "8003569377"), ("1 800 GO FEDEX", "8004633339"),
        ("+1 (212) 555-PIZZA", nil), ("212-555-ABCD", "2125552223"),
    ] as [(String, String?)])
    func vanity(input: String, national: String?) {
        #expect((try? PhoneNumber.parse(input))?.national == national)
    }

    @Test("One or two letters, or a letter before the third digit, are refused; other numbers with three letters or more are vanity numbers", arguments: [
        ("4152O57483", nil), ("415-2O5-7483", nil), ("(415) 2O5-748I", nil), ("1-415-265-748O", nil), ("212-555-12AB", nil),
        ("2125S51234", nil), ("212555123A4", nil),
        ("31S-MDV-TS11", nil), ("21A-BCD-EFGH", nil), ("1-8O0-FLOWERS", nil), ("4I52657483", nil),
        ("212-555-1ABC", "2125551222"), ("1-800-FLOWERS", "8003569377"), ("415-2OO-7OO3", "4152667663"),
        ("1-80O-FLOWERS", "8063569377"),
    ] as [(String, String?)])
    func letters(input: String, national: String?) {
        do {
            let number = try PhoneNumber.parse(input)
            #expect(number.national == national, "\(input)")
        } catch {
            #expect(national == nil, "\(input): \(error.detail)")
            #expect(error.code == .containsLetters, "\(input)")
        }
    }

    @Test("Region, toll-free flag and time zones agree with libphonenumber", arguments: [
        ("4165551234", PhoneRegion.CA, false, ["America/Toronto"]),
        ("6045551234", .CA, false, ["America/Vancouver"]),
        ("7875551234", .PR, false, ["America/Puerto_Rico"]),
        ("6715551234", .GU, false, ["Pacific/Guam"]),
        ("3405551234", .VI, false, ["America/St_Thomas"]),
        ("9075551234", .US, false, ["America/Adak", "America/Anchorage"]),
        ("8005551234", .US, true, []),
        ("8885551234", .US, true, []),
        ("9005551234", .US, false, []),  // premium rate: not geographic
        ("5005551234", .US, false, []),  // personal number: not geographic
        ("2124111234", .US, false, ["America/New_York"]),  // libphonenumber accepts N11 exchanges here
    ])
    func classes(input: String, region: PhoneRegion, tollFree: Bool, zones: [String]) throws {
        let number = try PhoneNumber.parse(input)
        #expect(number.region == region)
        #expect(number.isTollFree == tollFree)
        #expect(number.timeZones == zones)
    }

    @Test("Each cause of refusal has its own code", arguments: [
        ("", PhoneNumberError.Code.empty), ("   ", .empty),
        ("n/a", .noDigits), ("---", .noDigits),
        ("212*555*1234", .invalidCharacters), ("212_555_1234", .invalidCharacters), ("212-555-1234+", .invalidCharacters),
        ("212-555-1234 ☎", .invalidCharacters), ("212555123#", .invalidCharacters),
        ("(212 555-1234", .unbalancedParentheses), ("212) 555-1234", .unbalancedParentheses), ("((212)) 555-1234", .unbalancedParentheses),
        ("call 212 555 1234 now", .textAroundNumber), ("Tel: 212-555-1234", .textAroundNumber), ("2125551234 now", .textAroundNumber),
        ("2125551234 ext 5", .extensionNotSupported), ("2125551234 x5", .extensionNotSupported), ("2125551234#5", .extensionNotSupported),
        ("2125551234;ext=5", .extensionNotSupported), ("212-555-1234 EXT. 12", .extensionNotSupported), ("2125551234, 5", .extensionNotSupported),
        ("+44 20 7946 0958", .invalidCountryCode), ("+52 55 1234 5678", .invalidCountryCode),
        ("212 555 123", .tooShort), ("555-1234", .tooShort), ("+1 212 555 123", .tooShort),
        ("21255512345", .tooLong), ("112125551234", .tooLong), ("1-800-MATTRESS", .tooLong),
        ("123-555-1234", .invalidAreaCode), ("023-555-1234", .invalidAreaCode), ("911-555-1234", .invalidAreaCode),
        ("370-555-1234", .invalidAreaCode), ("+1 123 555 1234", .invalidAreaCode),
        ("212-055-1234", .invalidExchange), ("212-155-1234", .invalidExchange),
        ("5235551234", .unassignedNumber),
        ("876-555-1234", .unsupportedRegion), ("809-555-1234", .unsupportedRegion), ("264-235-1234", .unsupportedRegion),
    ])
    func refusals(input: String, code: PhoneNumberError.Code) {
        #expect(throws: PhoneNumberError.self) { try PhoneNumber.parse(input) }
        do {
            _ = try PhoneNumber.parse(input)
        } catch {
            #expect(error.code == code)
            #expect(error.input == input)
            #expect(!error.detail.isEmpty)
        }
    }

    @Test("Refusal sentences name the offending part", arguments: [
        ("123-555-1234", "Area code 123 does not exist: North American area codes start with 2-9."),
        ("911 555 1234", "Area code 911 does not exist: 911 is a service code, not an area code."),
        ("370-555-1234", "Area code 370 is not in service in any North American region."),
        ("212-055-1234", "Exchange 055 in 212-055-1234 is invalid: exchanges start with 2-9."),
        ("876-555-1234", "876-555-1234 is a number in Jamaica (JM); only numbers in US, CA, PR, VI, GU, MP, AS are accepted."),
        ("call 212 555 1234", "\"call 212 555 1234\" contains the text \"call\" besides the number; send only the number."),
        ("212 555 123", "\"212 555 123\" has 9 digits; a North American number has 10 (a 3-digit area code and a 7-digit number)."),
        ("+44 20 7946 0958", "\"+44 20 7946 0958\" has country code +44; only North American numbers (+1) are accepted."),
        ("212*555*1234", "\"212*555*1234\" contains \"*\"; a phone number may contain only digits, keypad letters, spaces and . - / ( ), and + only in front."),
        ("2125551234 x5", "\"2125551234 x5\" has an extension; LiveVox cannot dial extensions, send only the 10-digit number."),
        ("4152O57483", "\"4152O57483\" contains the letter \"O\" at position 5; a letter is not a digit. Keypad letters are read only in a vanity number of three letters or more, such as 1-800-FLOWERS."),
        ("21A-BCD-EFGH", "\"21A-BCD-EFGH\" has the letter \"A\" at position 3, before its third digit; a vanity number starts with three digits at least, such as 1-800-FLOWERS."),
        ("(415) 2O5-748l", "\"(415) 2O5-748l\" contains the letters \"O\" at position 8 and \"l\" at position 14; a letter is not a digit. Keypad letters are read only in a vanity number of three letters or more, such as 1-800-FLOWERS."),
    ])
    func sentences(input: String, detail: String) {
        do {
            _ = try PhoneNumber.parse(input)
            Issue.record("\(input) was accepted")
        } catch {
            #expect(error.detail == detail)
        }
    }

    @Test("Allowed regions decide which valid numbers are accepted")
    func allowedRegions() throws {
        #expect(try PhoneNumber.parse("876-555-1234", allowedRegions: [.JM]).region == .JM)
        #expect(throws: PhoneNumberError.self) { try PhoneNumber.parse("212-555-1234", allowedRegions: [.CA]) }
        #expect(try PhoneNumber.parse("876-555-1234", allowed: .all).region == .JM)
        #expect(throws: PhoneNumberError.self) { try PhoneNumber.parse("416-555-1234", allowed: PhoneRegionSet(.US)) }
        #expect(PhoneRegionSet.defaultAllowed.regions == [.US, .CA, .PR, .VI, .GU, .MP, .AS])
        #expect(PhoneRegion.defaultAllowed == Set(PhoneRegionSet.defaultAllowed.regions))
    }

    @Test("The byte API and the writers produce the same digits as the strings")
    func bytes() throws {
        let input = Array("+1 (415) 555-2671".utf8)
        let number = try input.withUnsafeBufferPointer { try PhoneNumber.parse(utf8: $0) }
        var out: [UInt8] = Array("x=".utf8)
        number.writeNational(into: &out)
        out.append(UInt8(ascii: ","))
        number.writeE164(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x=4155552671,+14155552671")
        #expect(number == (try PhoneNumber.parse("4155552671")))
    }

    @Test("The tables come from the pinned libphonenumber metadata")
    func metadata() {
        #expect(PhoneTableData.metadataVersion == "9.0.43")
        #expect(PhoneRegion.allCases.count == 25)
    }
}
