import TrailCore

/// What trail-fetch reads of a bucket: `--account`, `--region`, `--since`, `--until`.
public struct FetchFilters: Sendable {
    public var accounts: Set<String> = []
    public var regions: Set<String> = []
    /// First and last UTC day (days since 1970-01-01), both included.
    public var since: Int?
    public var until: Int?
    /// A time of day on the first day: files delivered before it (by the time in their
    /// names) are skipped with `start-after` instead of being listed.
    public var sinceTime: Timestamp?

    public init(accounts: Set<String> = [], regions: Set<String> = [], since: Int? = nil, until: Int? = nil, sinceTime: Timestamp? = nil) {
        self.accounts = accounts
        self.regions = regions
        self.since = since
        self.until = until
        self.sinceTime = sinceTime
    }

    /// The `start-after` key for the first day's folder: CloudTrail names
    /// (`<account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_…`) and ActionTrail names
    /// (`Actiontrail_<region>_<YYYYMMDDHHmmss>_…`) sort by their delivery time, and a file
    /// delivered before `sinceTime` holds only events from before it.
    func startAfter(dayFolder key: String) -> String? {
        guard let sinceTime, sinceTime.seconds % 86_400 != 0 else { return nil }
        let origin = KeyOrigin(folderKey: key)
        guard let region = origin.region else { return nil }
        let day = sinceTime.utc("%Y%m%d"), minute = sinceTime.utc("%H%M")
        if key.contains("AWSLogs/"), let account = origin.account {
            return "\(key)\(account)_CloudTrail_\(region)_\(day)T\(minute)Z"
        }
        return key.contains("AliyunLogs/") ? "\(key)Actiontrail_\(region)_\(day)\(minute)" : nil
    }

    /// `YYYY-MM-DD` or an RFC 3339 time, as a UTC day.
    public static func day(_ text: String) -> Int? {
        Timestamp(iso8601: text)?.day
    }

    func admits(year: Int) -> Bool {
        admits(first: Timestamp.daysFromCivil(year: year, month: 1, day: 1), last: Timestamp.daysFromCivil(year: year, month: 12, day: 31))
    }

    func admits(year: Int, month: Int) -> Bool {
        admits(first: Timestamp.daysFromCivil(year: year, month: month, day: 1),
               last: Timestamp.daysFromCivil(year: year, month: month, day: Timestamp.daysInMonth(year: year, month: month)))
    }

    func admits(first: Int, last: Int) -> Bool {
        (since.map { last >= $0 } ?? true) && (until.map { first <= $0 } ?? true)
    }
}

/// The meaning of a folder in the CloudTrail and ActionTrail bucket layouts (formats.md §1.1, §4.4):
///   [prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/
///   [prefix/]AliyunLogs/<EventType>/[rd-id/<account>/]<region>/YYYY/MM/DD/
enum FolderRole: Equatable {
    case unknown            // above the layout (a trail's key prefix), or the layout's root
    case organization
    case account(String)
    case service(logs: Bool) // CloudTrail, CloudTrail-Insight (logs); CloudTrail-Digest (not)
    case region(String)
    case year(Int)
    case month(Int, Int)
    case day(Int)
    case other              // inside the layout, but no level it knows

    /// The role of the last folder of `key` (a folder key, ending with `/`).
    static func of(_ key: String) -> FolderRole {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
        guard let anchor = segments.lastIndex(where: { $0 == "AWSLogs" || $0 == "AliyunLogs" }), anchor < segments.count - 1 else {
            return .unknown
        }
        let levels = Array(segments[(anchor + 1)...])
        // The levels above the region, in the order the layout nests them.
        var named: [FolderRole] = []
        if segments[anchor] == "AWSLogs" {
            if levels[0].hasPrefix("o-") { named.append(.organization) }
            let service = levels.count > named.count + 1 ? levels[named.count + 1] : ""
            named += [.account(""), .service(logs: service == "CloudTrail" || service == "CloudTrail-Insight")]
        } else {
            named.append(.service(logs: true))   // the event type
            if levels.count > 1, levels[1].hasPrefix("rd-") { named += [.organization, .account("")] }
        }
        let regionIndex = named.count
        let index = levels.count - 1
        if index < regionIndex { return role(named[index], levels[index]) }
        let region = levels[regionIndex]
        switch index - regionIndex {
        case 0: return .region(region)
        case 1: return Int(levels[index]).map { .year($0) } ?? .other
        case 2:
            guard let y = Int(levels[index - 1]), let m = Int(levels[index]), (1...12).contains(m) else { return .other }
            return .month(y, m)
        case 3:
            guard let y = Int(levels[index - 2]), let m = Int(levels[index - 1]), let d = Int(levels[index]),
                  (1...12).contains(m), (1...31).contains(d) else { return .other }
            return .day(Timestamp.daysFromCivil(year: y, month: m, day: d))
        default: return .other
        }
    }

    private static func role(_ template: FolderRole, _ name: String) -> FolderRole {
        if case .account = template { return .account(name) }
        return template
    }
}

/// Account and region of an object key, for the archive's folders.
struct KeyOrigin {
    var account: String?
    var region: String?

    init(folderKey: String) {
        var key = ""
        for segment in folderKey.split(separator: "/") {
            key += segment + "/"
            switch FolderRole.of(key) {
            case .account(let name): account = name
            case .region(let name): region = name
            default: break
            }
        }
    }
}
