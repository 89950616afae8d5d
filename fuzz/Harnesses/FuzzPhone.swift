import CallGateCore

/// Parses `bytes` as a phone number with every region allowed and returns every broken invariant:
/// a parsed number re-parses to itself from its E.164 and national forms, the text and byte entry
/// points agree, and the default regions accept only what every region accepts, as the same number.
public func fuzzPhone(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    let any = Result { () throws(PhoneNumberError) in try PhoneNumber.parse(utf8: bytes, allowed: .all) }
    let usual = Result { () throws(PhoneNumberError) in try PhoneNumber.parse(utf8: bytes, allowed: .defaultAllowed) }
    var broken: [String] = []
    if case .success(let number) = usual, (try? any.get()) != number {
        broken.append("the default regions accept \(number.e164) but every region does not give the same number")
    }
    if let text = String(validating: bytes, as: UTF8.self),
       (try? PhoneNumber.parse(text, allowed: .all)) != (try? any.get()) {
        broken.append("the text and the bytes parse differently")
    }
    if case .success(let number) = any {
        for form in [number.e164, number.national] where (try? PhoneNumber.parse(form, allowed: .all)) != number {
            broken.append("\(number.e164) does not re-parse from '\(form)'")
        }
    }
    return broken
}
