import Foundation

/// Local wall-clock time in one place: an IANA time zone, daylight saving time included (the
/// system's tz database through Foundation's TimeZone), or a fixed offset from UTC. Serves
/// trail-enrich's business hours and trail-notify's quiet periods, with their shared grammar
/// for days (`Mon-Fri`, `Sat,Sun`) and times of day (`09:00`); dates are `Timestamp(date:)`.
public struct LocalCalendar: Sendable {
    public let zone: TimeZone
    /// The offset found last, and the UTC seconds it holds for (until the zone's next transition),
    /// so that the tz database is consulted about once per daylight-saving period.
    private var validFrom: Int64 = .max, validUntil: Int64 = .min, cachedOffset = 0

    /// A tz database name (`Asia/Tokyo`, `America/New_York`, `UTC`); nil when unknown.
    public init?(zone name: String) {
        guard let zone = TimeZone(identifier: name) else { return nil }
        self.zone = zone
    }

    /// A fixed offset as RFC 3339 writes it (`+09:00`, `-0500`, `+09`, `Z`) or `UTC`, up to 14
    /// hours (trail-notify's `--utc-offset`).
    public init?(utcOffset text: String) {
        guard !text.isEmpty, let midnight = Timestamp(iso8601: "1970-01-01T00:00:00" + (text == "UTC" ? "Z" : text)),
              abs(midnight.seconds) <= 14 * 3600, let zone = TimeZone(secondsFromGMT: Int(-midnight.seconds)) else { return nil }
        self.zone = zone
    }

    public static let utc = LocalCalendar(utcOffset: "Z")!

    /// A moment as the local clock shows it.
    public struct LocalTime: Sendable {
        /// Local date as days since 1970-01-01, and seconds after local midnight.
        public let day: Int, secondOfDay: Int
        /// Seconds east of UTC at that moment.
        public let offset: Int
        /// 0 = Sunday … 6 = Saturday.
        public var weekday: Int { Timestamp(seconds: Int64(day) * 86_400).weekday }

        /// `"2026-11-17T02:14:09+09:00"`, as a JSON string: one allocation per event.
        public var quotedRFC3339: [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(27)
            out.append(UInt8(ascii: "\""))
            Timestamp(seconds: Int64(day) * 86_400 + Int64(secondOfDay)).utc("%Y-%m-%dT%H:%M:%S", into: &out)
            out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            Timestamp(seconds: Int64(abs(offset))).utc("%H:%M", into: &out)
            out.append(UInt8(ascii: "\""))
            return out
        }
    }

    /// `seconds` since the epoch (UTC) on the local clock.
    public mutating func local(_ seconds: Int64) -> LocalTime {
        if seconds < validFrom || seconds >= validUntil {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            cachedOffset = zone.secondsFromGMT(for: date)
            validFrom = seconds
            validUntil = zone.nextDaylightSavingTimeTransition(after: date).map { Int64($0.timeIntervalSince1970) } ?? .max
        }
        let day = Timestamp(seconds: seconds + Int64(cachedOffset)).day
        return LocalTime(day: day, secondOfDay: Int(seconds + Int64(cachedOffset) - Int64(day) * 86_400), offset: cachedOffset)
    }

    private static let dayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// `Mon-Fri`, `Sat,Sun`, `Mon,Wed,Fri`, `Fri-Mon` (a range may wrap over the week's end) as
    /// weekdays, 0 = Sunday; names in any case, three letters or longer. Nil when not days.
    public static func weekdays(_ text: some StringProtocol) -> Set<Int>? {
        var days = Set<Int>()
        for item in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map { name in
                name.count >= 3 ? dayNames.firstIndex { $0.hasPrefix(name) } : nil
            }
            guard (1...2).contains(ends.count), let first = ends.first!, let last = ends.last! else { return nil }
            var day = first
            days.insert(day)
            while day != last {
                day = (day + 1) % 7
                days.insert(day)
            }
        }
        return days
    }

    /// `HH:MM` (one or two hour digits, up to 24:00) as seconds after midnight.
    public static func secondOfDay(_ text: some StringProtocol) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), let h = Int(parts[0]), let m = Int(parts[1]),
              m < 60, h < 24 || (h == 24 && m == 0) else { return nil }
        return h * 3600 + m * 60
    }
}
