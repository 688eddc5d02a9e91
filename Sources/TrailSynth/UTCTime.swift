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
        guard text.utf8.count == 10, let midnight = Timestamp(iso8601: text) else { return nil }
        seconds = midnight.seconds
    }

    public struct Civil {
        public let year, month, day, hour, minute, second: Int
    }

    public var civil: Civil {
        let c = Timestamp(seconds: seconds).utcComponents
        return Civil(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second)
    }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int { Timestamp(seconds: seconds).weekday }

    // MARK: Text forms

    /// `2026-11-16T09:12:03Z`, the eventTime of both trails.
    public var iso8601: String {
        let c = civil
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))Z"
    }

    /// `20261116T0912Z`, the timestamp in CloudTrail log file names.
    public var cloudTrailFileStamp: String {
        let c = civil
        return "\(pad(c.year, 4))\(pad(c.month))\(pad(c.day))T\(pad(c.hour))\(pad(c.minute))Z"
    }

    /// `20261116T091203Z`, the timestamp in CloudTrail digest file names.
    public var digestFileStamp: String {
        let c = civil
        return "\(pad(c.year, 4))\(pad(c.month))\(pad(c.day))T\(pad(c.hour))\(pad(c.minute))\(pad(c.second))Z"
    }

    /// `20261116091203`, the timestamp in ActionTrail file names.
    public var actionTrailFileStamp: String {
        let c = civil
        return "\(pad(c.year, 4))\(pad(c.month))\(pad(c.day))\(pad(c.hour))\(pad(c.minute))\(pad(c.second))"
    }

    /// `2026/11/16`, the date folders of both buckets.
    public var datePath: String {
        let c = civil
        return "\(pad(c.year, 4))/\(pad(c.month))/\(pad(c.day))"
    }

    /// `2026/11/16/09/12`, SLS's default partition format for OSS shipping (`%Y/%m/%d/%H/%M`).
    public var minutePath: String {
        let c = civil
        return "\(pad(c.year, 4))/\(pad(c.month))/\(pad(c.day))/\(pad(c.hour))/\(pad(c.minute))"
    }

    /// `Nov 16, 2026, 9:12:03 AM`: how CloudTrail renders dates inside IAM and STS responses.
    public var awsResponseDate: String {
        let c = civil
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12
        return "\(months[c.month - 1]) \(c.day), \(c.year), \(hour12):\(pad(c.minute)):\(pad(c.second)) \(c.hour < 12 ? "AM" : "PM")"
    }

    /// `2026-11-16T09:12:03.000+0000`, Lambda's lastModified form.
    public var lambdaTimestamp: String {
        let c = civil
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)).000+0000"
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
