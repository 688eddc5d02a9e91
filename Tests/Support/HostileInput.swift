/// Records an attacker who can make an API call can put into a trail, for the tests of every
/// stage: each must be reported and skipped while the records around it come through.
public enum HostileInput {
    /// How deeply the nesting tests nest: far past the 512 levels a scanner allows, and deep
    /// enough that one stack frame per level would overflow the stack.
    public static let depth = 40_000

    /// Deep nesting of either kind, as a test argument (named, not printed: it is 80 KB).
    public enum Nesting: String, CaseIterable, Sendable, CustomStringConvertible {
        /// `depth` arrays inside each other, closed: `[[[…]]]`.
        case arrays
        /// `depth` objects inside each other, closed: `{"a":{"a":…{}…}}`.
        case objects

        public var text: String {
            switch self {
            case .arrays: String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            case .objects: String(repeating: #"{"a":"#, count: depth) + "{}" + String(repeating: "}", count: depth)
            }
        }

        public var description: String { "\(depth) nested \(rawValue)" }
    }
}
