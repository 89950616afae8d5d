import PropertyBased
import Testing

@testable import CallGateCore

@Suite("Phone numbers: properties")
struct PhonePropertyTests {
    /// The ways a CRM writes 10 digits; every one must parse back to the same number.
    static let styles: [@Sendable (String) -> String] = [
        { $0 },
        { "\($0.prefix(3))-\($0.dropFirst(3).prefix(3))-\($0.suffix(4))" },
        { "(\($0.prefix(3))) \($0.dropFirst(3).prefix(3))-\($0.suffix(4))" },
        { "\($0.prefix(3)).\($0.dropFirst(3).prefix(3)).\($0.suffix(4))" },
        { "1\($0)" },
        { "+1\($0)" },
        { "+1 \($0.prefix(3)) \($0.dropFirst(3).prefix(3)) \($0.suffix(4))" },
        { " 1 (\($0.prefix(3))) \($0.dropFirst(3).prefix(3))/\($0.suffix(4)) " },
        { "1-\($0.prefix(6))-\(keypadLetters($0.suffix(4)))" },
    ]

    /// Digits 2-9 written as one of their keypad letters (0 and 1 have none and stay digits).
    static func keypadLetters(_ digits: Substring) -> String {
        let keypad: [Character: Character] = ["2": "C", "3": "F", "4": "i", "5": "L", "6": "o", "7": "S", "8": "V", "9": "Y"]
        return String(digits.map { keypad[$0] ?? $0 })
    }

    @Test("A valid number written in any CRM style parses back to the same number, unless one or two letters stand for digits")
    func roundTrip() async {
        await propertyCheck(count: 2000, input: Gen.int(in: 2_000_000_000...9_999_999_999), Gen.int(in: 0...8)) { value, style in
            let digits = String(value)
            guard let number = try? PhoneNumber.parse(digits, allowed: .all) else { return }
            let written = Self.styles[style](digits)
            do throws(PhoneNumberError) {
                let again = try PhoneNumber.parse(written, allowed: .all)
                #expect(again == number, "\(written)")
                #expect(!(1...2).contains(written.count(where: \.isLetter)), "\(written)")
            } catch {
                // Only a vanity number, three letters or more, reads letters as digits.
                #expect(error.code == .containsLetters, "\(written)")
                #expect((1...2).contains(written.count(where: \.isLetter)), "\(written)")
            }
            #expect(number.national == digits)
            #expect(number.e164 == "+1" + digits)
            #expect((try? PhoneNumber.parse(number.e164, allowed: .all)) == number)
        }
    }

    @Test("Random bytes never crash the parser, and what it accepts is a well-formed number")
    func randomBytes() async {
        await propertyCheck(count: 5000, input: Gen.uint8().array(of: 0...24)) { bytes in
            let result = bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(PhoneNumberError) in try PhoneNumber.parse(utf8: buffer, allowed: .all) }
            }
            switch result {
            case .success(let number):
                #expect(number.national.utf8.count == 10)
                #expect((try? PhoneNumber.parse(number.national, allowed: .all)) == number)
            case .failure(let error):
                #expect(!error.detail.isEmpty)
            }
        }
    }

    @Test("Random phone-like text never crashes the parser")
    func phoneLikeText() async {
        let alphabet = Array("0123456789 ()-.+/#xXeEtT;,*abc\u{00A0}é")
        await propertyCheck(count: 5000, input: Gen.element(of: alphabet).array(of: 0...20)) { characters in
            let text = String(characters.compactMap { $0 })
            do throws(PhoneNumberError) {
                let number = try PhoneNumber.parse(text, allowed: .all)
                #expect(number.e164.count == 12)
            } catch {
                #expect(!error.detail.isEmpty)
            }
        }
    }
}
