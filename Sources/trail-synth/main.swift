import ArgumentParser
import TrailCommandLine
import TrailCore
import TrailSynth

struct TrailSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration.trail(
        "trail-synth",
        abstract: "Generate realistic AWS CloudTrail and Alibaba ActionTrail log files, with injected security scenarios.",
        discussion: """
        Writes what a trail delivers to its bucket, below the --out folder; point the other trail tools at that folder as if it were the bucket.

        CloudTrail (S3 layout, gzip'd {"Records":[…]}):
          AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/
            <account>_CloudTrail_<region>_<YYYYMMDD>T<HHmm>Z_<unique>.json.gz
        ActionTrail (OSS layout, gzip'd JSON array; with --actiontrail):
          AliyunLogs/Actiontrail/<region>/YYYY/MM/DD/
            Actiontrail_<region>_<YYYYMMDDHHMMSS>_1002_<count>_<size>_<md5>.gz

        Security Center CSPM findings (D19; an SLS OSS shipping job with prefix sas-cspm-log, gzip'd JSON lines):
          sas-cspm-log/YYYY/MM/DD/HH/MM_<nanoseconds>_<shard>.gz
        The background traffic is what real accounts show: people at the console and the CLI (in Tokyo business hours, each from their own address), SSO and SAML sessions, a Terraform pipeline, instance agents, Lambda functions, AWS Config, a monitoring vendor and service principals; mostly reads, some writes, a few failures. It contains no action that a scenario is about, so a detection that fires on a corpus fires on injected events.

        Scenarios (--scenarios, ids from docs/scenarios.md):
        \(ScenarioID.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))

        Each named scenario is injected about three times, spread over the days (--scenario-rate scales that), in CloudTrail and, where ActionTrail records the same thing, in ActionTrail. Decoys that a correct rule must not flag come with them: MFA sign-ins, office-only ingress, SAML sign-ins without MFA, deny-only bucket policies, a restarted trail, instances replaced by the approved deploy pipeline, reads by the privileged user, passed configuration checks.

        --truth writes the answer key, one JSON line per scenario event:
          {"scenario":"D3","cloud":"aws","eventID":…,"eventName":…,"file":…}
        where file is the path below --out. Security Center findings have no ID: their eventID is null, eventName the check item, and "index" the record's line in the file (from 0). An event that exemplifies several scenarios (a world-open ingress is also a security-group change) has a line for each.

        --digest-key also writes the CloudTrail digest files of integrity validation, signed with that RSA private key (PEM, 2048 bits or more) as CloudTrail signs them (SHA256withRSA):
          AWSLogs/[<org-id>/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
            <account>_CloudTrail-Digest_<region>_<trail-name>_us-east-1_<YYYYMMDDTHHMMSSZ>.json.gz
        one per hour per account and region, chained from a starting digest; they name the log files as s3://<bucket>/<path below --out>. S3 keeps a digest's signature in its object metadata (x-amz-meta-signature); here it is in a side file <digest>.sig, the hex signature on one line.

        Output depends only on the options: the same options give byte-identical files. Times come from --start and --days, never from the clock.

        Example, a signed trail for integrity tests:
          openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out digest-key.pem
          trail-synth --out signed --events 5000 --digest-key digest-key.pem --bucket my-trail-bucket

        Example, a benchmark corpus:
          trail-synth --out corpus --events 1000000 --accounts 5 --days 7 \\
            --scenarios all --scenario-rate 10 --actiontrail 50000
        """)

    @Option(name: .customLong("out"), help: ArgumentHelp("Folder to write the log tree into (created if missing).", valueName: "dir"))
    var outputDirectory: String

    @Option(help: "CloudTrail records in total, scenario events included.")
    var events = 10_000

    @Option(help: "Number of AWS member accounts.")
    var accounts = 3

    @Option(name: .customLong("org-id"), help: ArgumentHelp("Use the organization-trail layout AWSLogs/<org-id>/<account>/….", valueName: "o-id"))
    var organizationID: String?

    @Option(help: ArgumentHelp("Comma-separated AWS regions; must include us-east-1, where global services are recorded.", valueName: "list"))
    var regions = "us-east-1,eu-west-1,ap-northeast-1"

    @Option(help: ArgumentHelp("First day (UTC midnight).", valueName: "YYYY-MM-DD"))
    var start = "2026-11-16"

    @Option(help: "Number of days covered.")
    var days = 3

    @Option(help: "Seed of the random generator.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Scenarios to inject: comma-separated ids (D1,D3,D7,D10) or 'all'.", valueName: "list"))
    var scenarios = ""

    @Option(name: .customLong("scenario-rate"), help: ArgumentHelp("Multiplies how often each scenario is injected (1 = about three times).", valueName: "rate"))
    var scenarioRate = 1.0

    @Option(name: .customLong("events-per-file"),
            help: ArgumentHelp("Range of records per file; a file also closes when its five-minute delivery window ends, so quiet streams give smaller files.", valueName: "min-max"))
    var eventsPerFile = "1-50"

    @Option(name: .customLong("actiontrail"), help: ArgumentHelp("ActionTrail events in total (0 = no ActionTrail files).", valueName: "n"))
    var actionTrailEvents = 0

    @Option(help: ArgumentHelp("Write the answer key (NDJSON) to this file.", valueName: "file"))
    var truth: String?

    @Option(name: .customLong("digest-key"), help: ArgumentHelp("Also write CloudTrail digest files, signed with this RSA private key (PEM).", valueName: "pem-file"))
    var digestKey: String?

    @Option(help: ArgumentHelp("Bucket name the digests give for the log files and themselves.", valueName: "name"))
    var bucket = "trail-synth-logs"

    @Option(name: .customLong("trail-name"), help: ArgumentHelp("Trail name in digest file names.", valueName: "name"))
    var trailName = "management-events"

    func options() throws -> SynthOptions {
        var options = SynthOptions(outputDirectory: outputDirectory)
        options.events = events
        options.accounts = accounts
        options.organizationID = organizationID
        options.regions = regions.split(separator: ",").map { String($0.filter { $0 != " " }) }
        guard let first = UTCTime(date: start) else { throw ValidationError("--start must be a date like 2026-11-16") }
        options.start = first
        options.days = days
        options.seed = seed
        options.scenarios = scenarios.isEmpty ? [] : try ScenarioID.parseList(scenarios)
        options.scenarioRate = scenarioRate
        guard let range = SynthOptions.parseRange(eventsPerFile) else {
            throw ValidationError("--events-per-file must look like 1-50 (two numbers, the first at least 1)")
        }
        options.eventsPerFile = range
        options.actionTrailEvents = actionTrailEvents
        options.truthPath = truth
        options.digestKeyPath = digestKey
        options.bucket = bucket
        options.trailName = trailName
        return options
    }

    func validate() throws {
        do {
            try options().validate()
        } catch let error as SynthError {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        let options = try options()
        CommandLineTool.run("trail-synth") { diagnostics, _ in
            diagnostics.warn(try TrailSynthesizer.run(options).report(folder: options.outputDirectory))
            return .success
        }
    }
}

TrailSynthCommand.main()
