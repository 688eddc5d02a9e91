import Foundation
import TrailCore

/// `--business-hours 'ZONE DAYS HH:MM-HH:MM'` and `--holidays FILE`: when the company works,
/// so that each event can say whether it happened outside business hours (scenario D2).
/// The event's `trail.time` is turned into the zone's local time (daylight saving included,
/// from the system's tz database through Foundation's TimeZone).
public struct BusinessCalendar {
    /// Why a time is off hours.
    enum Reason: String {
        case holiday, weekend, afterHours = "after-hours"
    }

    let clock: LocalCalendar
    /// Working days, 0 = Sunday … 6 = Saturday.
    let workdays: Set<Int>
    /// Working hours as seconds after local midnight: from `opens` (included) to `closes` (excluded).
    let opens: Int, closes: Int
    /// Holidays as days since 1970-01-01 (local dates).
    let holidays: Set<Int>
    /// `calendar@…` and, with a holidays file, `holidays@sha256:…`, for `trail.enrichedBy`.
    let provenance: [String]

    /// Parses the specification, e.g. `Asia/Tokyo Mon-Fri 09:00-18:00`, and reads the holidays
    /// file (one `YYYY-MM-DD` per line, `#` comments); errors name what was wrong.
    public init(specification: String, holidaysFile: String? = nil) throws {
        let parts = specification.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let usage = "--business-hours must look like 'Asia/Tokyo Mon-Fri 09:00-18:00' (zone, working days, hours), got \"\(specification)\""
        guard parts.count == 3 else { throw TableError("--business-hours", usage) }
        guard let clock = LocalCalendar(zone: parts[0]) else {
            throw TableError("--business-hours", "unknown time zone '\(parts[0])' (a tz database name such as Asia/Tokyo, Europe/Berlin or UTC)")
        }
        self.clock = clock
        guard let days = LocalCalendar.weekdays(parts[1]) else {
            throw TableError("--business-hours", "working days must be day names or ranges like Mon-Fri or Mon,Wed,Fri, got '\(parts[1])'")
        }
        workdays = days
        let hours = parts[2].split(separator: "-", omittingEmptySubsequences: false)
        guard hours.count == 2, let opens = LocalCalendar.secondOfDay(hours[0]), let closes = LocalCalendar.secondOfDay(hours[1]) else {
            throw TableError("--business-hours", "hours must look like 09:00-18:00, got '\(parts[2])'")
        }
        guard opens < closes else {
            throw TableError("--business-hours", "hours must open before they close (00:00-24:00 at most), got '\(parts[2])'")
        }
        self.opens = opens
        self.closes = closes
        var provenance = ["calendar@\(clock.zone.identifier) \(parts[1]) \(parts[2])"]
        var holidays = Set<Int>()
        if let holidaysFile {
            let bytes = try FileIO.readFile(holidaysFile)
            provenance.append("holidays@" + CSVFile.hash(bytes))
            for (index, rawLine) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                guard let day = Timestamp(date: line)?.day else {
                    throw TableError(holidaysFile, line: index + 1, "expected a date YYYY-MM-DD, got \"\(line.prefix(40))\"")
                }
                holidays.insert(day)
            }
        }
        self.holidays = holidays
        self.provenance = provenance
    }

    /// Why a local time is off hours; nil in business hours.
    func reason(_ local: LocalCalendar.LocalTime) -> Reason? {
        if holidays.contains(local.day) { return .holiday }
        if !workdays.contains(local.weekday) { return .weekend }
        return local.secondOfDay < opens || local.secondOfDay >= closes ? .afterHours : nil
    }
}

/// Answers `trail.context.calendar` for events.
final class CalendarLookup {
    let calendar: BusinessCalendar
    private var clock: LocalCalendar

    init(_ calendar: BusinessCalendar) {
        self.calendar = calendar
        clock = calendar.clock
    }

    /// `{"local":…,"offHours":…,"reason":…}` for the event whose `trail.time` is `time`, or
    /// null when the time is missing or not a timestamp.
    func member(time: UnsafeRawBufferPointer?, into out: inout [UInt8]) {
        guard let time, let stamp = Timestamp.parse(time) else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let local = clock.local(stamp.seconds), reason = calendar.reason(local)
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.key("local")
        w.raw(local.quotedRFC3339)
        w.key("offHours")
        w.bool(reason != nil)
        w.member("reason", reason?.rawValue)
        w.endObject()
        out.append(contentsOf: w.bytes)
    }
}
