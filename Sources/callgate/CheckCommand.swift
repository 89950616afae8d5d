import ArgumentParser
import CallGateCore

#if canImport(Glibc)
import Glibc
#endif

extension CheckFormat: ExpressibleByArgument {}

/// `callgate check`: bulk validation of a CRM export before a campaign.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate and normalize phone numbers or date-times, or check calling windows, in bulk.",
        discussion: """
            Exit status: 0 when every input was valid, 1 when any was not, 2 on a usage error,
            3 when the input could not be read or the output written.
            Output order matches input order.
            """,
        subcommands: [Phone.self, Time.self, Window.self]
    )

    /// `callgate check phone`.
    struct Phone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check North American phone numbers as LiveVox will dial them.",
            discussion: """
                With no NUMBER arguments, reads one number per line from stdin (JSONL output by default).
                Examples:
                  callgate check phone "(415) 205-7483" "1-800-FLOWERS"
                  callgate check phone --format csv < crm-export.txt > checked.csv
                """
        )

        @Argument(help: "Numbers to check; when none are given, one per line is read from stdin.")
        var numbers: [String] = []

        @Option(help: "Output format: jsonl, csv or text (default: text for arguments, jsonl for stdin).")
        var format: CheckFormat?

        @Option(help: "Comma-separated regions whose numbers are accepted (default: US,CA,PR,VI,GU,MP,AS).")
        var allowedRegions: String?

        func validate() throws {
            _ = try regions()
        }

        func regions() throws -> PhoneRegionSet {
            guard let allowedRegions else { return .defaultAllowed }
            switch PhoneRegionSet.parse(list: allowedRegions) {
            case .success(let regions):
                return regions
            case .failure(.unknownRegion(let name)):
                let known = PhoneRegion.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("Unknown region '\(name.trimmingASCIISpaces().uppercased())' in --allowed-regions; known North American regions: \(known).")
            case .failure(.empty):
                throw ValidationError("--allowed-regions names no region.")
            }
        }

        func run() async throws {
            let checker = PhoneCheck(format: format ?? (numbers.isEmpty ? .jsonl : .text), allowedRegions: try regions())
            var preamble: [UInt8] = []
            checker.appendPreamble(to: &preamble)
            let tally = try runLines(arguments: numbers, preamble: preamble) { line, out in
                checker.check(line: line, into: &out)
            }
            if tally.invalid > 0 { throw ExitCode(1) }
        }
    }

    /// `callgate check time`.
    struct Time: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check date-times and time zones as LiveVox callbacks need them.",
            discussion: """
                Reads JSON objects {"at": ..., "timeZone": ...}, one per line, from stdin (or from the
                arguments). "at" is epoch milliseconds (a number or a numeric string), an ISO 8601
                date-time with Z or an offset, or a local ISO date-time, which then needs "timeZone".
                Example:
                  echo '{"at": "2026-03-08T02:30", "timeZone": "ET"}' | callgate check time
                """
        )

        @Argument(help: "JSON objects to check; when none are given, one per line is read from stdin.")
        var objects: [String] = []

        @Option(help: "Output format: jsonl, csv or text (default: text for arguments, jsonl for stdin).")
        var format: CheckFormat?

        func run() async throws {
            let checker = TimeCheck(format: format ?? (objects.isEmpty ? .jsonl : .text))
            var preamble: [UInt8] = []
            checker.appendPreamble(to: &preamble)
            let tally = try runLines(arguments: objects, preamble: preamble) { line, out in
                checker.check(line: line, into: &out)
            }
            if tally.invalid > 0 { throw ExitCode(1) }
        }
    }
}

/// Runs `handle` over the arguments when there are any, otherwise over stdin's lines.
private func runLines(
    arguments: [String],
    preamble: [UInt8],
    _ handle: (UnsafeBufferPointer<UInt8>, inout [UInt8]) -> Bool
) throws -> LineStream.Tally {
    let stream = LineStream()
    guard !arguments.isEmpty else {
        do {
            return try stream.run(preamble: preamble, handle)
        } catch {
            FileHandleStream.standardError.write("callgate: \(error)\n")
            throw ExitCode(3)
        }
    }
    var tally = LineStream.Tally()
    var out = preamble
    for argument in arguments {
        var argument = argument
        let valid = argument.withUTF8 { handle($0, &out) }
        if valid { tally.valid += 1 } else { tally.invalid += 1 }
    }
    try? stream.flush(&out)
    return tally
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}

extension CheckCommand {
    /// `callgate check window`.
    struct Window: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check whether calls may start now (or at an instant) under the calling-window rules.",
            discussion: """
                Reads lines PHONE or PHONE,INSTANT from stdin (or the arguments); INSTANT is ISO 8601 with Z
                or an offset, or epoch milliseconds. Writes, in input order, whether the call is allowed at
                every possible location of the number, the locations with their local times, the rules
                that refuse it and the next allowed instant (UTC). A line that cannot be checked (invalid
                phone or instant; a toll-free number without --state) has an error and makes the exit status 1.
                Examples:
                  callgate check window --profile telemarketing "(850) 434-1234,2026-05-01T23:30:00Z"
                  callgate check window --at 2026-05-01T13:00:00Z --format csv < crm-export.txt
                """
        )

        @Argument(help: "Lines to check; when none are given, one per line is read from stdin.")
        var lines: [String] = []

        @Option(help: "The instant of lines without one: ISO 8601 with Z or an offset, or epoch milliseconds (default: now).")
        var at: String?

        @Option(help: "The profile: baseline, telemarketing, collections or off.")
        var profile: CallingProfile = .telemarketing

        @Option(help: "Which rules count: all, or confirmed (drops the secondary rules).")
        var confidence: ConfidenceFilter = .all

        @Option(help: "The party's state, district, territory or province as you know it (e.g. FL, PR, ON); its locations are added to the number's.")
        var state: String?

        @Option(name: .customLong("time-zone"), help: "The zone of --state (IANA name or LiveVox code); default: every zone of the state.")
        var timeZone: String?

        @Option(help: "Seconds the window must stay open after the instant (default 0).")
        var duration: Int64 = 0

        @Option(help: "Output format: jsonl, csv or text (default: text for arguments, jsonl for stdin).")
        var format: CheckFormat?

        @OptionGroup var rules: RulesFileOption

        func validate() throws {
            guard (0...CallingWindows.maximumDurationSeconds).contains(duration) else {
                throw ValidationError("--duration must be 0 to \(CallingWindows.maximumDurationSeconds) seconds.")
            }
            if let state, !KnownStates.us.contains(state), !KnownStates.canada.contains(state) {
                throw ValidationError("--state '\(state)' is not a US state, district or territory code, or a Canadian province code (e.g. FL, DC, PR, ON).")
            }
            if timeZone != nil, state == nil { throw ValidationError("--time-zone needs --state.") }
            _ = try zone()
            _ = try defaultAt()
        }

        func zone() throws -> IANATimeZone? {
            guard let timeZone else { return nil }
            do throws(TimeZoneError) {
                return try ResolvedTimeZone.resolve(timeZone).zone
            } catch {
                throw ValidationError("--time-zone: \(error.detail)")
            }
        }

        func defaultAt() throws -> Int64 {
            guard let at else {
                var spec = timespec()
                clock_gettime(CLOCK_REALTIME, &spec)
                return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
            }
            do throws(DateTimeError) {
                return try ResolvedDateTime.resolve(.text(at), timeZone: nil).epochMillis
            } catch {
                throw ValidationError("--at: \(error.detail)")
            }
        }

        func run() async throws {
            let checker = WindowCheck(
                format: format ?? (lines.isEmpty ? .jsonl : .text),
                windows: CallingWindows(ruleSet: try rules.ruleSet()),
                policy: CallingPolicy(profile: profile, confidence: confidence),
                defaultAtEpochMillis: try defaultAt(), durationSeconds: duration, state: state, timeZone: try zone())
            var preamble: [UInt8] = []
            checker.appendPreamble(to: &preamble)
            let tally = try runLines(arguments: lines, preamble: preamble) { line, out in
                checker.check(line: line, into: &out)
            }
            if tally.invalid > 0 { throw ExitCode(1) }
        }
    }
}
