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
        abstract: "Validate and normalize phone numbers or date-times in bulk.",
        discussion: """
            Exit status: 0 when every input was valid, 1 when any was not, 2 on a usage error,
            3 when the input could not be read or the output written.
            Output order matches input order.
            """,
        subcommands: [Phone.self, Time.self]
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
