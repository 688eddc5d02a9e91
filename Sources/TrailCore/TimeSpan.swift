/// The one duration grammar of every option and rule: `90s` (or plain `90`), `15m`, `2h`, `7d`, `2w`,
/// up to ten years (longer is a typo, and far from where nanoseconds overflow).
public enum TimeSpan {
    public static let maximumSeconds: Int64 = 3650 * 86400
    /// What the grammar accepts, for messages.
    public static let form = "a number followed by s, m, h, d or w, up to 3650d"

    /// The span in whole seconds; nil when not the grammar or beyond `maximumSeconds`.
    public static func seconds(_ text: some StringProtocol) -> Int64? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400]
        let unit = units[last]
        guard let n = Int64(unit == nil ? Substring(text) : Substring(text.dropLast())), n >= 0,
              n <= maximumSeconds / (unit ?? 1) else { return nil }
        return n * (unit ?? 1)
    }

    /// The span in nanoseconds (the matcher's clock).
    public static func nanoseconds(_ text: some StringProtocol) -> Int64? {
        seconds(text).map { $0 * 1_000_000_000 }
    }
}
