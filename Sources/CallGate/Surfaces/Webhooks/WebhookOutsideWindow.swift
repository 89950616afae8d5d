/// What a webhook source's callbacks do when their time is outside the calling window
/// (`outsideWindow` in the webhook sources file).
public enum WebhookOutsideWindow: String, Sendable, Hashable, CaseIterable, Codable {
    /// Answer the sender 422 `outside_calling_window` with `nextAllowedAt`, as `/v1` callbacks are.
    case refuse
    /// Move the callback to the next allowed instant, as `"adjust": "next_allowed"` does on `/v1`.
    case adjust
}
