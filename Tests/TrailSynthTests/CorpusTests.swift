import Foundation
import Testing
import TrailCore
@testable import TrailSynth

@Suite("Corpus files")
struct CorpusTests {
    @Test("the same options give byte-identical files; another seed gives other files")
    func determinism() throws {
        let first = try Corpus.generate { $0.scenarios = [.d1, .d3]; $0.actionTrailEvents = 60 }
        defer { first.remove() }
        let again = try Corpus.generate { $0.scenarios = [.d1, .d3]; $0.actionTrailEvents = 60 }
        defer { again.remove() }
        let other = try Corpus.generate { $0.scenarios = [.d1, .d3]; $0.actionTrailEvents = 60; $0.seed = 8 }
        defer { other.remove() }

        #expect(!first.files.isEmpty)
        #expect(first.files.map(\.path) == again.files.map(\.path))
        #expect(first.files.map(\.compressed) == again.files.map(\.compressed))
        #expect(first.truth.map(\.eventID) == again.truth.map(\.eventID))
        #expect(Set(first.files.map(\.path)).isDisjoint(with: other.files.map(\.path)))
        #expect(Set(first.cloudTrail.compactMap { $0.string("eventID") }).isDisjoint(with: other.cloudTrail.compactMap { $0.string("eventID") }))
    }

    @Test("CloudTrail files follow the S3 layout of formats.md 1.1, with and without an organization")
    func cloudTrailLayout() throws {
        // formats.md 1.1, verbatim.
        let layout = try Regex(#"^(?:.*/)?AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/\2_CloudTrail_\3_(\d{8}T\d{4}Z)_([A-Za-z0-9]{16})\.json\.gz$"#)
        for organization in [nil, "o-a1b2c3d4e5"] {
            let corpus = try Corpus.generate { $0.organizationID = organization }
            defer { corpus.remove() }
            let files = corpus.files.filter { $0.path.hasPrefix("AWSLogs/") }
            #expect(files.count > 10)
            for file in files {
                let match = try #require(try layout.wholeMatch(in: file.path), "\(file.path)")
                #expect(match.output[1].substring.map(String.init) == organization)
                // The date folders and the name's timestamp are the same delivery time.
                let folders = "\(match.output[4].substring!)\(match.output[5].substring!)\(match.output[6].substring!)"
                #expect(match.output[7].substring!.hasPrefix(folders))
                let account = String(match.output[2].substring!), region = String(match.output[3].substring!)
                for event in corpus.cloudTrail where event.file == file.path {
                    #expect(event.string("recipientAccountId") == account)
                    #expect(event.string("awsRegion") == region)
                }
            }
        }
    }

    @Test("every file inflates to one valid JSON document (Security Center: one per line) holding the requested number of events")
    func contentAndCounts() throws {
        let corpus = try Corpus.generate { $0.events = 777; $0.actionTrailEvents = 173; $0.scenarios = ScenarioID.allCases }
        defer { corpus.remove() }
        for file in corpus.files {
            if file.path.hasPrefix("sas-cspm-log/") {
                for line in file.body.split(separator: 0x0A) {
                    let root = try line.withUnsafeBytes { try JSONScanner($0).validateDocument() }
                    #expect(line.withUnsafeBytes { JSONScanner($0).kind(at: root) } == .object)
                }
                continue
            }
            let root = try file.body.withUnsafeBytes { try JSONScanner($0).validateDocument() }
            let kind = file.body.withUnsafeBytes { JSONScanner($0).kind(at: root) }
            if file.path.hasPrefix("AWSLogs/") {
                #expect(kind == .object)
                let records = file.body.withUnsafeBytes { JSONScanner($0).member("Records", ofObjectAt: root) }
                #expect(records.map { r in file.body.withUnsafeBytes { JSONScanner($0).kind(at: r) } } == .array, "\(file.path)")
            } else {
                #expect(kind == .array, "\(file.path)")
            }
        }
        #expect(corpus.cloudTrail.count == 777)
        #expect(corpus.actionTrail.count == 173)
        #expect(!corpus.securityCenter.isEmpty)
        let ids = corpus.cloudTrail.compactMap { $0.string("eventID") }
        #expect(ids.count == 777 && Set(ids).count == 777)
    }

    @Test("ActionTrail file names carry the event count, the uncompressed size and its MD5")
    func actionTrailNames() throws {
        #expect(BucketLayout.md5Hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(BucketLayout.md5Hex(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
        let name = try Regex(#"^AliyunLogs/Actiontrail/(cn-hangzhou|cn-shanghai|ap-northeast-1)/(\d{4})/(\d{2})/(\d{2})/Actiontrail_\1_(\d{14})_1002_(\d+)_(\d+)_([0-9a-f]{32})\.gz$"#)
        let corpus = try Corpus.generate { $0.actionTrailEvents = 90; $0.scenarios = [.d1, .d3, .d7, .d10] }
        defer { corpus.remove() }
        let files = corpus.files.filter { $0.path.hasPrefix("AliyunLogs/") }
        #expect(files.count > 5)
        for file in files {
            let match = try #require(try name.wholeMatch(in: file.path), "\(file.path)")
            let events = corpus.actionTrail.filter { $0.file == file.path }
            #expect(Int(match.output[6].substring!) == events.count)
            #expect(Int(match.output[7].substring!) == file.body.count)
            #expect(String(match.output[8].substring!) == BucketLayout.md5Hex(file.body))
            for event in events where event.string("eventType") != "ConsoleSignin" && event.value("isGlobal") as? Bool == false {
                #expect(event.string("acsRegion") == String(match.output[1].substring!))
            }
        }
    }

    @Test("events look like CloudTrail records: identities, addresses, versions, mostly reads, a few failures")
    func realism() throws {
        let corpus = try Corpus.generate { $0.events = 3000; $0.accounts = 3; $0.days = 5 }
        defer { corpus.remove() }
        let events = corpus.cloudTrail
        let types = Set(events.compactMap { $0.string("userIdentity.type") })
        #expect(types.isSuperset(of: ["IAMUser", "AssumedRole", "AWSService"]))
        #expect(!types.contains("Root"), "root use is scenario D3 only")
        let readOnly = events.filter { $0.value("readOnly") as? Bool == true }.count
        #expect(Double(readOnly) > 0.6 * Double(events.count))
        let failed = events.filter { $0.string("errorCode") != nil }.count
        #expect(failed > 0 && Double(failed) < 0.1 * Double(events.count))
        let globalSources: Set = ["iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com"]
        for event in events where globalSources.contains(event.string("eventSource") ?? "") {
            #expect(event.string("awsRegion") == "us-east-1")
        }
        for event in events {
            #expect(event.string("eventVersion")?.hasPrefix("1.") == true)
            #expect(event.string("eventID")?.count == 36)
            #expect(event.string("eventTime")?.count == 20)
            #expect(event.string("eventCategory") == "Management")
            #expect(event.string("sourceIPAddress")?.isEmpty == false)
        }
        let size = events.reduce(0) { $0 + (try! JSONSerialization.data(withJSONObject: $1.json)).count } / events.count
        #expect((900...1800).contains(size), "mean record size \(size)")
        #expect(Set(events.compactMap { $0.string("sourceIPAddress") }).contains { $0.contains(":") }, "some IPv6 callers")
        #expect(Set(events.compactMap { $0.string("sourceIPAddress") }).contains("AWS Internal"))
    }

    @Test("files hold events of one five-minute window, within the requested size range")
    func fileCutting() throws {
        let corpus = try Corpus.generate { $0.events = 2000; $0.eventsPerFile = 2...20 }
        defer { corpus.remove() }
        for file in corpus.files {
            let events = corpus.cloudTrail.filter { $0.file == file.path }
            #expect(events.count <= 20)
            let times = events.map(\.time)
            #expect(times.max()!.timeIntervalSince(times.min()!) < 300)
        }
        #expect(corpus.files.contains { file in corpus.cloudTrail.filter { $0.file == file.path }.count > 2 })
    }
}
