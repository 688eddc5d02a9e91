import Foundation
import Testing
import TrailTestSupport

/// The scheduled pipeline over a trail laced with what an attacker (or a broken producer) can
/// put in a bucket: hostile records among good ones in one log file, and objects that are not
/// trails at all beside it. Every good event's alert is delivered once, each hostile thing is
/// reported, and the next run is not blocked.
@Suite(.serialized) struct HostileScheduledRunTests {
    /// Writes a CloudTrail log file of root console sign-ins without MFA (each raises the
    /// pack's alerts) to `path`; with `hostile`, records that must each cost only themselves
    /// sit between them.
    private func writeTrail(_ path: String, day: String = "2026-11-17", ids: [String], hostile: Bool) throws {
        let made = try runShell("""
            mkdir -p "$(dirname '\(path)')"
            python3 - '\(path)' \(day) \(hostile ? "hostile" : "clean") \(ids.joined(separator: " ")) <<'PY'
            import gzip, sys
            path, day, kind, ids = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
            def record(i, n, extra=""):
                return ('{"eventVersion":"1.08","userIdentity":{"type":"Root","principalId":"111122223333",'
                        '"arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},'
                        '"eventTime":"%sT12:%02d:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",'
                        '"awsRegion":"us-east-1","sourceIPAddress":"203.0.113.%d","userAgent":"Mozilla/5.0",'
                        '"requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},'
                        '"additionalEventData":{"MFAUsed":"No"},"eventID":"%s","eventType":"AwsConsoleSignIn",'
                        '"recipientAccountId":"111122223333"%s}') % (day, n, 10 + n, i, extra)
            records = [record(i, n) for n, i in enumerate(ids)]
            # Valid, but written for the sinks: mentions, markdown, a line break, a terminal escape.
            records.insert(1, record("attacker-text", 52, ',"note":"<!channel> @here *x*\\\\n\\\\u001b[31m"'))
            if kind == "hostile":
                nested = "[" * 40000 + "]" * 40000
                records[1:1] = [
                    record("nested", 50, ',"x":' + nested),                              # nested past the limit
                    record("escape", 51, ',"userAgent2":"a\\\\ob"'),                      # an escape JSON has not
                ]
            with gzip.open(path, "wb") as f:
                f.write(('{"Records":[' + ",".join(records) + ']}').encode())
            PY
            """)
        #expect(made.status == 0, "\(made.stderr)")
    }

    /// Objects beside the log files that are not trails, or not files.
    private func addHostileObjects(to folder: String, prefix: String) throws {
        let made = try runShell("""
            cd '\(folder)'
            # 1.1 GiB of JSON whitespace in 1 MB of gzip: past the 1 GiB cap on what one object inflates to.
            python3 -c '
            import zlib, sys
            z = zlib.compressobj(1, zlib.DEFLATED, 31)
            out = open(sys.argv[1], "wb")
            out.write(z.compress(b"{\\"Records\\":["))
            block = b" " * (1 << 20)
            for _ in range(1100): out.write(z.compress(block))
            out.write(z.compress(b"]}")); out.write(z.flush())
            ' '\(prefix)bomb.json.gz'
            printf '{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"}}}]}' \
              | gzip > '\(prefix)s3event.json.gz'
            head -c 4096 /dev/urandom > '\(prefix)random.json.gz'
            printf '{"Records":[' | gzip > '\(prefix)truncated.json.gz'
            ln -s /dev/zero '\(prefix)zero.json.gz'
            mkfifo '\(prefix)fifo.json.gz'
            ln -s '\(prefix)loop-b.json.gz' '\(prefix)loop-a.json.gz' && ln -s '\(prefix)loop-a.json.gz' '\(prefix)loop-b.json.gz'
            """)
        #expect(made.status == 0, "\(made.stderr)")
    }

    /// The folder of one day of the trail-synth bucket, and the name prefix of its files.
    private func dayFolder(_ bucket: String) throws -> (folder: String, prefix: String) {
        let listed = try runShell("find '\(bucket)' -name '*.json.gz' | sort | head -n 1")
        let file = try #require(listed.stdoutLines.first)
        let name = (file as NSString).lastPathComponent
        return ((file as NSString).deletingLastPathComponent, String(name.prefix { $0 != "_" }) + "_CloudTrail_us-east-1_20261117T1200Z_")
    }

    /// Each stage, run over the same hostile bucket in a pipe, stays under 256 MiB of memory.
    @Test func noStageTakesMoreThan256MiBOnHostileInput() throws {
        let dir = try TemporaryDirectory("trail-hostile-rss")
        defer { dir.remove() }
        let folder = dir.path + "/bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/17"
        let prefix = "111122223333_CloudTrail_us-east-1_20261117T1200Z_"
        try writeTrail(folder + "/" + prefix + "laced.json.gz", ids: ["a", "b"], hostile: true)
        try addHostileObjects(to: folder, prefix: prefix)
        let bin = builtExecutablesFolder(), rss = dir.path + "/rss"
        func timed(_ stage: String) -> String { "/usr/bin/time -a -o '\(rss)' -f '\(stage) %M' '\(bin)/\(stage)'" }
        let result = try runShell("""
            \(timed("trail-fetch")) '\(dir.path)/bucket' | \(timed("trail-flatten")) | \(timed("trail-enrich")) \\
              | \(timed("trail-match")) --rules '\(packageRoot)/rules' | \(timed("trail-notify")) --to file://\(dir.path)/alerts.ndjson
            """, timeout: 600)
        #expect(result.status == 1, "\(result.stderr)")
        let peaks = try String(contentsOfFile: rss, encoding: .utf8).split(separator: "\n").compactMap { line -> (String, Int)? in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), Int(parts[1]) ?? .max) : nil
        }
        #expect(peaks.count == 5, "\(peaks)")
        for (stage, kibibytes) in peaks { #expect(kibibytes < 256 << 10, "\(stage) peaked at \(kibibytes) KiB") }
    }

    @Test func aTrailLacedWithHostileInputDeliversEveryGoodAlertAndTheNextRunGoesOn() throws {
        let pipeline = try ScheduledPipeline()
        defer { pipeline.remove() }
        let (folder, prefix) = try dayFolder(pipeline.bucket)
        let laced = folder + "/" + prefix + "laced.json.gz"
        let good = ["good-before", "good-between", "good-after"]
        try writeTrail(laced, ids: good, hostile: false)
        let expected = try pipeline.reference()
        #expect(expected.count > 10)

        try writeTrail(laced, ids: good, hostile: true)
        try addHostileObjects(to: folder, prefix: prefix)
        let file = pipeline.dir.path + "/alerts.ndjson"
        let first = try pipeline.watch(notify: "--to file://\(file)")
        #expect(first.status == 1, "bad input was skipped: \(first.stderr)")
        let delivered = try ScheduledPipeline.ids(inFileTarget: file)
        #expect(delivered.sorted() == expected.sorted(), "\(first.stderr)")
        for report in ["laced.json.gz: record 1: invalid JSON: nesting deeper than 512", "laced.json.gz: record 2: invalid JSON: invalid escape",
                       "bomb.json.gz: decompressed size exceeds", "s3event.json.gz", "random.json.gz", "truncated.json.gz",
                       "zero.json.gz", "fifo.json.gz", "loop-a.json.gz"] {
            #expect(first.stderr.contains(report), "\(report) is reported: \(first.stderr)")
        }
        #expect(!first.stderr.contains("\u{1b}"), "no terminal escape reaches stderr")

        // The next run is not blocked: a new file's alerts come, none repeated.
        // In today's folder: older days close once delivered (README, the rewind window).
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let todayFolder = folder.dropLast("YYYY/MM/DD".count) + today.replacingOccurrences(of: "-", with: "/")
        try writeTrail(todayFolder + "/" + prefix + "next.json.gz", day: today, ids: ["good-next"], hostile: false)
        let second = try pipeline.watch(notify: "--to file://\(file)")
        #expect(second.status == 0 || second.status == 1, "\(second.stderr)")
        let all = try ScheduledPipeline.ids(inFileTarget: file)
        #expect(Set(all).count == all.count, "no alert twice")
        #expect(all.count > delivered.count, "the new file raised its alerts: \(second.stderr)")
        #expect(Array(all.prefix(delivered.count)) == delivered)
    }
}
