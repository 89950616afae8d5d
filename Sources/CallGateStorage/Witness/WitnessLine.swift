import CallGateHashing

/// One line of the witness file, and of its copy in the log: a head and its Ed25519 signature,
/// as one JSON object.
///
/// ```json
/// {"sequence":2000,"hash":"<64 hex digits>","timeMillis":1796673662000,"time":"2026-12-07T20:01:02Z","signature":"<128 hex digits>"}
/// ```
///
/// `time` is `timeMillis` for people; only `sequence`, `hash` and `timeMillis` are signed
/// (`WitnessHead.signedMessage`), and `time` is ignored when a line is read.
public struct WitnessLine: Sendable, Hashable {
    /// The head.
    public var head: WitnessHead
    /// The witness key's signature of `head.signedMessage`.
    public var signature: [UInt8]

    /// The line of `head`, signed by `key`.
    public init(head: WitnessHead, signedBy key: Ed25519.PrivateKey) {
        self.head = head
        signature = key.sign(head.signedMessage)
    }

    /// A line as read.
    public init(head: WitnessHead, signature: [UInt8]) {
        self.head = head
        self.signature = signature
    }

    /// The JSON object, without a line feed.
    public var text: String {
        #"{"sequence":\#(head.sequence),"hash":"\#(head.hash)","timeMillis":\#(head.timeMillis),"time":"\#(head.utcTime)","signature":"\#(Hex.encode(signature))"}"#
    }

    /// Whether the signature is the one the key with `publicKey` gives.
    public func isSigned(by publicKey: [UInt8]) -> Bool {
        Ed25519.isValidSignature(signature, of: head.signedMessage, publicKey: publicKey)
    }

    /// The line `text` holds, or nil when it is not one: a JSON object of string and integer
    /// members (strings without escapes, as the witness writes them), with `sequence`, `hash`,
    /// `timeMillis` and a hex `signature`; other members are ignored.
    public static func parse(_ text: Substring) -> WitnessLine? {
        var members: [Substring: Substring] = [:]
        var rest = text.utf8[...]
        func skipSpaces() {
            while let first = rest.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") || first == UInt8(ascii: "\r") {
                rest.removeFirst()
            }
        }
        func take(_ byte: UInt8) -> Bool {
            skipSpaces()
            guard rest.first == byte else { return false }
            rest.removeFirst()
            return true
        }
        // A string's contents (quotes dropped), or an integer's digits.
        func value() -> Substring? {
            skipSpaces()
            if rest.first == UInt8(ascii: "\"") {
                rest.removeFirst()
                guard let close = rest.firstIndex(of: UInt8(ascii: "\"")),
                      !rest[..<close].contains(UInt8(ascii: "\\")) else { return nil }
                let contents = Substring(rest[..<close])
                rest = rest[rest.index(after: close)...]
                return contents
            }
            let end = rest.firstIndex { !($0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)) } ?? rest.endIndex
            guard end != rest.startIndex else { return nil }
            let digits = Substring(rest[..<end])
            rest = rest[end...]
            return digits
        }
        guard take(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let name = value(), take(UInt8(ascii: ":")), let member = value() else { return nil }
            members[name] = member
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")) else { return nil }
        skipSpaces()
        guard rest.isEmpty,
              let sequence = members["sequence"].flatMap({ Int64($0) }),
              let hash = members["hash"],
              let timeMillis = members["timeMillis"].flatMap({ Int64($0) }),
              let signature = members["signature"].flatMap({ Hex.decode($0) })
        else { return nil }
        return WitnessLine(head: WitnessHead(sequence: sequence, hash: String(hash), timeMillis: timeMillis), signature: signature)
    }
}
