/// A size in bytes as written on a command line: `1048576`, or with a binary suffix `K`, `M`
/// or `G` (`64M` is 64 MiB), as `--max-record-size` takes it.
public enum ByteCount {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "'\(text)' is not a positive size in bytes (a number, optionally followed by K, M or G)" }
    }

    public static func parse(_ text: String) throws(Invalid) -> Int {
        var digits = Substring(text)
        var unit = 1
        switch text.last?.uppercased() {
        case "K": unit = 1 << 10
        case "M": unit = 1 << 20
        case "G": unit = 1 << 30
        default: break
        }
        if unit > 1 { digits = digits.dropLast() }
        guard let n = Int(digits), n > 0 else { throw Invalid(text: text) }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: unit)
        guard !overflow else { throw Invalid(text: text) }
        return bytes
    }
}
