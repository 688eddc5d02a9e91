import TrailCore

/// Event time as the matcher orders and correlates it: nanoseconds since the Unix epoch in an
/// Int64, which holds years 1678–2261. A record may carry any time of years 0001–9999, so a
/// time outside that range is reported and left out of correlations instead of overflowing.
enum EventTime {
    /// 1678-01-01T00:00:00Z up to 2262-01-01T00:00:00Z, in seconds: whole years inside Int64
    /// nanoseconds, with months to spare at either end for the conversions back.
    static let seconds: Range<Int64> = -9_214_560_000 ..< 9_214_646_400

    /// What a record's time string gives.
    enum Reading: Equatable {
        case nanoseconds(Int64)
        /// An RFC 3339 time outside `seconds`.
        case outOfRange
        /// Not an RFC 3339 time of years 0001–9999.
        case notATime
    }

    static func read(_ s: JSONScanner, _ at: Int) -> Reading {
        guard at < s.count, s.byte(at) == UInt8(ascii: "\""), let end = try? s.stringEnd(at: at),
              let t = Timestamp.parse(UnsafeRawBufferPointer(rebasing: s.bytes[(at + 1)..<(end - 1)])) else { return .notATime }
        guard seconds.contains(t.seconds) else { return .outOfRange }
        return .nanoseconds(t.seconds * 1_000_000_000 + Int64(t.nanoseconds))
    }

    /// `time - span`, held at the ends of Int64 instead of wrapping (spans come from rules and
    /// options, and may be as long as their parser allows).
    static func before(_ time: Int64, by span: Int64) -> Int64 {
        let (difference, overflow) = time.subtractingReportingOverflow(span)
        return overflow ? (span > 0 ? .min : .max) : difference
    }

    /// RFC 3339 text of a time in range.
    static func rfc3339(_ nanoseconds: Int64) -> String {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        return Timestamp(seconds: seconds, nanoseconds: Int32(nanoseconds - seconds * 1_000_000_000)).rfc3339
    }
}
