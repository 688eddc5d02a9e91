/// A point in time as whole seconds and nanoseconds since the Unix epoch (UTC). Parsing and
/// formatting are done by hand on bytes: event time is read for every record of a trail.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Parses RFC 3339 / ISO 8601 (`2024-05-01T09:12:03Z`, fractions, `+09:00` offsets, a space
    /// instead of `T`, compact `20240501T091203Z`).
    public init?(iso8601 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Timestamp.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Midnight UTC of a `YYYY-MM-DD` date; nil when the text is not one.
    public init?(date text: some StringProtocol) {
        guard text.utf8.count == 10, let midnight = Timestamp(iso8601: String(text)) else { return nil }
        self = midnight
    }

    /// Epoch seconds, or milliseconds when the value is too large to be seconds (CloudWatch).
    public init(epoch value: Double) {
        let secondsValue = value > 100_000_000_000 ? value / 1000 : value
        let whole = secondsValue.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int32(((secondsValue - whole) * 1e9).rounded()))
    }

    public static func parse(_ b: UnsafeRawBufferPointer) -> Timestamp? {
        var i = 0
        @inline(__always) func digits(_ n: Int) -> Int? { Timestamp.digits(b, &i, n) }
        @inline(__always) func skip(_ c: UInt8) -> Bool {
            if i < b.count, b[i] == c { i += 1; return true }
            return false
        }
        guard let year = digits(4) else { return nil }
        let extended = skip(UInt8(ascii: "-"))
        guard let month = digits(2), !extended || skip(UInt8(ascii: "-")), let day = digits(2) else { return nil }
        var hour = 0, minute = 0, second = 0, nanos = 0
        if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "t") {
            i += 1
            guard let h = digits(2), !extended || skip(UInt8(ascii: ":")), let m = digits(2) else { return nil }
            hour = h
            minute = m
            // Seconds may be left out (`…T0912Z` in CloudTrail file names).
            if extended ? skip(UInt8(ascii: ":")) : (i < b.count && b[i] >= 0x30 && b[i] <= 0x39) {
                guard let s = digits(2) else { return nil }
                second = s
            }
            if skip(UInt8(ascii: ".")) || skip(UInt8(ascii: ",")) {
                var scale = 100_000_000, any = false
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    nanos += Int(b[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        var offset = 0
        if i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = skip(UInt8(ascii: ":"))
                let om = digits(2) ?? 0
                guard om < 60 else { return nil }
                offset = (oh * 3600 + om * 60) * (c == UInt8(ascii: "-") ? -1 : 1)
            }
        }
        guard i == b.count, (1...12).contains(month), (1...Timestamp.daysInMonth(year: year, month: month)).contains(day),
              hour < 24, minute < 60, second <= 60 else {
            return nil
        }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let total = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Timestamp(seconds: total, nanoseconds: Int32(nanos))
    }

    /// RFC 3339 in UTC with a `Z`; fractions only when present (CloudTrail's own form).
    public var description: String { rfc3339 }

    /// Milliseconds since the epoch (OCSF's timestamp_t).
    public var milliseconds: Int64 { seconds * 1000 + Int64(nanoseconds) / 1_000_000 }

    public var rfc3339: String {
        var text = utc("%Y-%m-%dT%H:%M:%S")
        if nanoseconds > 0 {
            var fraction = String(nanoseconds)
            fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// The time in UTC as `pattern` lays it out: `%Y` the year in four digits (as RFC 3339 writes
    /// every year from 0001 on), `%m %d %H %M %S` two digits each, `%a` and `%b` the English
    /// weekday and month abbreviations (RFC 5322 mail dates); anything else is copied.
    public func utc(_ pattern: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(pattern.utf8.count + 8)
        utc(pattern, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `utc(_:)` appended to `out`: per event, without a string or an array of its own.
    public func utc(_ pattern: String, into out: inout [UInt8]) {
        let c = utcComponents
        var directive = false
        func digits(_ value: Int, _ width: Int) {
            guard (0..<(width == 4 ? 10_000 : 100)).contains(value) else { return out.append(contentsOf: String(value).utf8) }
            var scale = width == 4 ? 1000 : 10
            while scale > 0 {
                out.append(UInt8(ascii: "0") + UInt8(value / scale % 10))
                scale /= 10
            }
        }
        for byte in pattern.utf8 {
            defer { directive = !directive && byte == UInt8(ascii: "%") }
            guard directive else {
                if byte != UInt8(ascii: "%") { out.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "Y"): digits(c.year, 4)
            case UInt8(ascii: "m"): digits(c.month, 2)
            case UInt8(ascii: "d"): digits(c.day, 2)
            case UInt8(ascii: "H"): digits(c.hour, 2)
            case UInt8(ascii: "M"): digits(c.minute, 2)
            case UInt8(ascii: "S"): digits(c.second, 2)
            case UInt8(ascii: "a"): out.append(contentsOf: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][weekday].utf8)
            case UInt8(ascii: "b"): out.append(contentsOf: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][c.month - 1].utf8)
            default: out.append(byte)
            }
        }
    }

    /// The UTC calendar date and time of day, for layouts and calendars.
    public var utcComponents: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let secondOfDay = Int(seconds - Int64(day) * 86400)
        let (y, m, d) = Timestamp.civilFromDays(day)
        return (y, m, d, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
    }

    /// The UTC date as days since 1970-01-01.
    public var day: Int { Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400) }

    /// 0 = Sunday … 6 = Saturday, in UTC.
    public var weekday: Int { ((day % 7) + 11) % 7 }  // 1970-01-01 was a Thursday

    /// The `n`-digit number at `i`, moving `i` past it; nil when a byte there is not a digit.
    @inline(__always) private static func digits(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in 0..<n {
            let c = b[i + k]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        i += n
        return v
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
