/// The toolkit's version, the one place it is written: every tool's `--version` prints it, and
/// the installed trail-watch asks trail-fetch for it. Semantic versioning; CHANGELOG.md lists
/// what each one changed.
public enum TrailVersion {
    public static let current = "0.9.0"
}
