/// Which of CallGate's two surfaces a request came through: it decides the body's field names,
/// how strictly they are read, and the shape of the answer.
public enum Surface: Sendable, Hashable {
    /// The LiveVox-compatible paths: LiveVox's names, lenient integers, unknown fields dropped,
    /// LiveVox's answer passed through.
    case compatible
    /// `/v1`: CallGate's names, unknown fields refused, strict integers, CallGate's own answers.
    case v1
}
