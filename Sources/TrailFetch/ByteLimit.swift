/// How much trail-fetch holds of one object and of one document: hostile objects (a gzip
/// bomb, a link to /dev/zero) are skipped at these caps instead of filling memory.
public struct FetchLimits: Sendable {
    /// Decompressed bytes per object (and bytes read of a local file).
    public var maxObjectSize = 1 << 30
    /// Bytes per document, the line the later stages read (their `--max-record-size`).
    public var maxRecordSize = 64 << 20

    public init() {}
}

/// `1073741824`, `64M`, `1G`, `512k`: a byte count with an optional binary suffix (K, M, G,
/// T, with or without a trailing `i`/`iB`/`B`); nil when it is not one or overflows.
public func parseByteCount(_ text: String) -> Int? {
    var digits = Substring(text.uppercased())
    for unit in ["IB", "B", "I"] where digits.hasSuffix(unit) {
        digits = digits.dropLast(unit.count)
        break
    }
    let shift: Int
    switch digits.last {
    case "K": shift = 10
    case "M": shift = 20
    case "G": shift = 30
    case "T": shift = 40
    default: shift = 0
    }
    if shift > 0 { digits = digits.dropLast() }
    guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
    let (result, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
    return overflow ? nil : result
}

/// `1 GiB`, `64 MiB`, `1000 bytes`: a limit as the user would have written it.
public func formatLimit(_ bytes: Int) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
        return "\(bytes >> shift) \(unit)"
    }
    return "\(bytes) bytes"
}
