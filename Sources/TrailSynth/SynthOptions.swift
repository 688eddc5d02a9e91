/// A request the generator cannot honour, explained in one line for the command line.
public struct SynthError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Everything that decides a corpus. Equal options give byte-identical output.
public struct SynthOptions: Sendable {
    /// Root of the bucket-like tree (`AWSLogs/…`, `AliyunLogs/…`).
    public var outputDirectory: String
    /// CloudTrail records in total, injected scenario events included.
    public var events = 10_000
    public var accounts = 3
    /// When set, files use the organization-trail layout `AWSLogs/<o-id>/<account>/…`.
    public var organizationID: String?
    public var regions = ["us-east-1", "eu-west-1", "ap-northeast-1"]
    /// UTC midnight of the first day.
    public var start = UTCTime(date: "2026-11-16")!
    public var days = 3
    public var seed: UInt64 = 1
    public var scenarios: [ScenarioID] = []
    /// Multiplies how many times each scenario is injected (1 = a few times over the days).
    public var scenarioRate = 1.0
    public var eventsPerFile = 1...50
    /// ActionTrail events in total (0 = no ActionTrail files), injected events included.
    public var actionTrailEvents = 0
    /// Where to write the answer key (NDJSON), if anywhere.
    public var truthPath: String?
    /// RSA private key (PEM) to sign CloudTrail digest files with; no digests without it.
    public var digestKeyPath: String?
    /// Bucket name the digests record for log files and for themselves.
    public var bucket = "trail-synth-logs"
    /// Trail name in digest file names.
    public var trailName = "management-events"

    public init(outputDirectory: String) {
        self.outputDirectory = outputDirectory
    }

    /// The region where CloudTrail records IAM, STS and console sign-in events.
    static let globalRegion = "us-east-1"

    /// A billion events is days of writing; more is a typo, not a corpus.
    static let maximumEvents = 1_000_000_000

    public func validate() throws(SynthError) {
        guard !outputDirectory.isEmpty else { throw SynthError("--out must name a folder") }
        guard (0...SynthOptions.maximumEvents).contains(events) else { throw SynthError("--events must be between 0 and \(SynthOptions.maximumEvents)") }
        guard (1...100).contains(accounts) else { throw SynthError("--accounts must be between 1 and 100") }
        guard !regions.isEmpty else { throw SynthError("--regions must name at least one region") }
        for region in regions where !SynthOptions.isRegionName(region) {
            throw SynthError("--regions: '\(region)' is not a region name like us-east-1")
        }
        guard Set(regions).count == regions.count else { throw SynthError("--regions names a region twice") }
        guard regions.contains(SynthOptions.globalRegion) else {
            throw SynthError("--regions must include \(SynthOptions.globalRegion): IAM, STS and console sign-in events are recorded there")
        }
        if let organizationID, !SynthOptions.isOrganizationID(organizationID) {
            throw SynthError("--org-id must look like o-a1b2c3d4e5 (o- and 10 to 32 lower-case letters or digits)")
        }
        guard (1...366).contains(days) else { throw SynthError("--days must be between 1 and 366") }
        guard scenarioRate > 0, scenarioRate <= 1000 else { throw SynthError("--scenario-rate must be greater than 0 and at most 1000") }
        guard eventsPerFile.lowerBound >= 1 else { throw SynthError("--events-per-file must start at 1 or more") }
        guard eventsPerFile.upperBound <= SynthOptions.maximumEvents else { throw SynthError("--events-per-file must end at \(SynthOptions.maximumEvents) or less") }
        guard (0...SynthOptions.maximumEvents).contains(actionTrailEvents) else {
            throw SynthError("--actiontrail must be between 0 and \(SynthOptions.maximumEvents)")
        }
        guard SynthOptions.isBucketName(bucket) else {
            throw SynthError("--bucket must be an S3 bucket name: 3 to 63 lower-case letters, digits, '.' or '-'")
        }
        guard SynthOptions.isTrailName(trailName) else {
            throw SynthError("--trail-name must be 3 to 128 letters, digits, '.', '_' or '-'")
        }
    }

    private static let lowerCaseAndDigits = Set("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let bucketCharacters = lowerCaseAndDigits.union(".-".utf8)
    private static let trailCharacters = bucketCharacters.union("_ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count >= 3 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(lowerCaseAndDigits.contains) }
    }

    static func isOrganizationID(_ text: String) -> Bool {
        guard text.hasPrefix("o-") else { return false }
        let rest = text.utf8.dropFirst(2)
        return (10...32).contains(rest.count) && rest.allSatisfy(lowerCaseAndDigits.contains)
    }

    static func isBucketName(_ text: String) -> Bool {
        (3...63).contains(text.utf8.count) && text.utf8.allSatisfy(bucketCharacters.contains)
    }

    /// Trail names as AWS allows them; they appear in digest file names.
    static func isTrailName(_ text: String) -> Bool {
        (3...128).contains(text.utf8.count) && text.utf8.allSatisfy(trailCharacters.contains)
    }

    /// Parses `MIN-MAX` (or a single number) for `--events-per-file`.
    public static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let n = Int(parts[0]), n >= 1 else { return nil }
            return n...n
        case 2:
            guard let low = Int(parts[0]), let high = Int(parts[1]), low >= 1, high >= low else { return nil }
            return low...high
        default:
            return nil
        }
    }
}
