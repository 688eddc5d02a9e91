import TrailCore

/// A point in time in whole seconds since 1970-01-01T00:00:00Z, with the text forms the
/// generated trails use (the calendar itself is TrailCore's `Timestamp`). No Foundation and no clock: every time in a corpus is
/// derived from `--start`, so output does not depend on when or where it is generated.
public struct UTCTime: Comparable, Hashable, Sendable {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func < (a: UTCTime, b: UTCTime) -> Bool { a.seconds < b.seconds }
    public static func + (t: UTCTime, seconds: Int64) -> UTCTime { UTCTime(seconds: t.seconds + seconds) }
    public static func - (t: UTCTime, seconds: Int64) -> UTCTime { UTCTime(seconds: t.seconds - seconds) }

    /// Midnight UTC of a `YYYY-MM-DD` date, or nil when the text is not a valid date.
    public init?(date text: String) {
        guard let midnight = Timestamp(date: text) else { return nil }
        seconds = midnight.seconds
    }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int { Timestamp(seconds: seconds).weekday }

    // MARK: Text forms

    private var timestamp: Timestamp { Timestamp(seconds: seconds) }
    /// `2026-11-16T09:12:03Z`, the eventTime of both trails.
    public var iso8601: String { timestamp.utc("%Y-%m-%dT%H:%M:%SZ") }
    /// `20261116T0912Z`, the timestamp in CloudTrail log file names.
    public var cloudTrailFileStamp: String { timestamp.utc("%Y%m%dT%H%MZ") }
    /// `20261116T091203Z`, the timestamp in CloudTrail digest file names.
    public var digestFileStamp: String { timestamp.utc("%Y%m%dT%H%M%SZ") }
    /// `20261116091203`, the timestamp in ActionTrail file names.
    public var actionTrailFileStamp: String { timestamp.utc("%Y%m%d%H%M%S") }
    /// `2026/11/16`, the date folders of both buckets.
    public var datePath: String { timestamp.utc("%Y/%m/%d") }
    /// `2026/11/16/09/12`, SLS's default partition format for OSS shipping (`%Y/%m/%d/%H/%M`).
    public var minutePath: String { timestamp.utc("%Y/%m/%d/%H/%M") }
    /// `2026-11-16T09:12:03.000+0000`, Lambda's lastModified form.
    public var lambdaTimestamp: String { timestamp.utc("%Y-%m-%dT%H:%M:%S.000+0000") }

    /// `Nov 16, 2026, 9:12:03 AM`: how CloudTrail renders dates inside IAM and STS responses.
    public var awsResponseDate: String {
        let c = timestamp.utcComponents
        let hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12
        return timestamp.utc("%b \(c.day), %Y, \(hour12):%M:%S \(c.hour < 12 ? "AM" : "PM")")
    }
}
