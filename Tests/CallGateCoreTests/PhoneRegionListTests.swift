import Testing

@testable import CallGateCore

@Suite("Region lists")
struct PhoneRegionListTests {
    @Test("Codes separated by commas, any case, spaces around them ignored", arguments: [
        ("US", PhoneRegionSet(PhoneRegion.US)),
        ("us, ca ,PR", PhoneRegionSet([.US, .CA, .PR])),
        ("US,CA,PR,VI,GU,MP,AS", PhoneRegionSet.defaultAllowed),
    ])
    func parses(list: String, expected: PhoneRegionSet) {
        #expect(PhoneRegionSet.parse(list: list) == .success(expected))
    }

    @Test("An unknown code is named as written; an empty list is refused", arguments: [
        ("US,XX", PhoneRegionSet.ListError.unknownRegion("XX")),
        ("US, U S", .unknownRegion(" U S")),
        ("", .empty),
        (",,", .empty),
    ])
    func refuses(list: String, error: PhoneRegionSet.ListError) {
        #expect(PhoneRegionSet.parse(list: list) == .failure(error))
    }
}
