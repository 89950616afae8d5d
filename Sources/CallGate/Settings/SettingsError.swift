/// A setting that cannot be used, with a sentence naming the flag and variable.
public struct SettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sentence.
    public let description: String

    init(_ description: String) { self.description = description }
}
