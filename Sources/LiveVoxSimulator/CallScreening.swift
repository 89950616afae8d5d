import CallGateCore

/// The checks LiveVox makes before a manual call reaches the queue, in the order a dialer makes
/// them: a number that cannot be dialed (899), a number on the do-not-call list (1000), and a
/// number whose local time, in every zone its area code spans, is outside 8:00-21:00 (998).
struct CallScreening: Sendable {
    /// The first hour of the federal calling window (47 CFR 64.1200(c)(1)).
    static let windowOpensAtHour = 8
    /// The hour the window closes; a call at 21:00:00 or later is refused.
    static let windowClosesAtHour = 21

    /// National numbers on the do-not-call list.
    private(set) var doNotCall: Set<String>

    /// Normalizes each list entry as a launched number is normalized; unparsable entries are
    /// kept as written, so they still match a launch that sends exactly that text.
    init(doNotCall entries: [String]) {
        doNotCall = Set(entries.map { Self.normalized($0) ?? $0 })
    }

    /// Why the call must not be dialed at `epochSeconds`, or `nil` when it may be queued.
    func refusal(of phoneNumber: String, at epochSeconds: Double) -> NonAttemptedCallCode? {
        let number: PhoneNumber
        do {
            number = try PhoneNumber.parse(phoneNumber, allowedRegions: PhoneRegion.defaultAllowed)
        } catch {
            return .invalidPhoneNumber
        }
        if doNotCall.contains(number.national) || doNotCall.contains(phoneNumber) {
            return .phoneNumberOnDNC
        }
        if !Self.isInsideWindow(zones: number.timeZones, at: epochSeconds) {
            return .outsideDialingWindow998
        }
        return nil
    }

    /// Whether the wall clock of every zone shows a time in [8:00, 21:00) at the instant; a
    /// number whose zones are unknown is not held back.
    static func isInsideWindow(zones: [String], at epochSeconds: Double) -> Bool {
        let instant = Int64(epochSeconds.rounded(.down))
        return zones.compactMap(IANATimeZone.named).allSatisfy { zone in
            let local = instant + Int64(zone.utcOffsetSeconds(atEpochSeconds: instant))
            let hour = Int(((local % 86_400) + 86_400) % 86_400 / 3600)
            return hour >= windowOpensAtHour && hour < windowClosesAtHour
        }
    }

    /// A number's national form when it parses, as list entries and launched numbers are compared.
    static func normalized(_ text: String) -> String? {
        try? PhoneNumber.parse(text, allowedRegions: PhoneRegion.defaultAllowed).national
    }
}
