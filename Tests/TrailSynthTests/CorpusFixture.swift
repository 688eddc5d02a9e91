import Foundation
import TrailCore
@testable import TrailSynth

/// A corpus generated into a fresh temporary folder, read back and parsed.
struct Corpus {
    struct File {
        let path: String          // relative to the corpus root
        let compressed: [UInt8]
        let body: [UInt8]         // inflated
    }

    struct Event {
        let file: String
        let json: [String: Any]

        func string(_ path: String) -> String? { value(path) as? String }

        /// The value at a dotted path, or nil.
        func value(_ path: String) -> Any? {
            var current: Any? = json
            for component in path.split(separator: ".") {
                current = (current as? [String: Any])?[String(component)]
            }
            return current
        }

        var time: Date { ISO8601DateFormatter().date(from: string("eventTime")!)! }
    }

    struct TruthLine {
        let scenario: String
        let cloud: String
        /// Nil for Security Center findings, which `file` and `index` name.
        let eventID: String?
        let eventName: String
        let file: String
        let index: Int?
    }

    let root: String
    let files: [File]
    let cloudTrail: [Event]
    let actionTrail: [Event]
    /// Security Center CSPM findings, in file order; `Event.file` is `path#line`.
    let securityCenter: [Event]
    let truth: [TruthLine]

    /// Generates with `configure` applied to default test options, reads everything back.
    static func generate(_ configure: (inout SynthOptions) -> Void = { _ in }) throws -> Corpus {
        let root = NSTemporaryDirectory() + "trail-synth-test-" + UUID().uuidString
        var options = SynthOptions(outputDirectory: root)
        options.events = 300
        options.accounts = 2
        options.days = 3
        options.seed = 7
        options.truthPath = root + "/truth.ndjson"
        configure(&options)
        _ = try TrailSynthesizer.run(options)
        return try Corpus(root: root, truthPath: options.truthPath)
    }

    init(root: String, truthPath: String?) throws {
        self.root = root
        var files: [File] = []
        var cloudTrail: [Event] = [], actionTrail: [Event] = [], securityCenter: [Event] = []
        for path in try FileIO.filesBelow(root) where path != truthPath {
            let relative = String(path.dropFirst(root.count + 1))
            let compressed = try FileIO.readFile(path)
            let body = try compressed.withUnsafeBytes { try Gzip.inflate($0) }
            files.append(File(path: relative, compressed: compressed, body: body))
            if relative.hasPrefix("sas-cspm-log/") {
                // JSON lines, as SLS ships them.
                for (line, text) in body.split(separator: 0x0A).enumerated() {
                    let record = try JSONSerialization.jsonObject(with: Data(text)) as! [String: Any]
                    securityCenter.append(Event(file: "\(relative)#\(line)", json: record))
                }
                continue
            }
            let parsed = try JSONSerialization.jsonObject(with: Data(body))
            if relative.hasPrefix("AWSLogs/") {
                let records = (parsed as? [String: Any])?["Records"] as? [[String: Any]] ?? []
                cloudTrail += records.map { Event(file: relative, json: $0) }
            } else {
                actionTrail += (parsed as? [[String: Any]] ?? []).map { Event(file: relative, json: $0) }
            }
        }
        self.files = files
        self.cloudTrail = cloudTrail
        self.actionTrail = actionTrail
        self.securityCenter = securityCenter
        var truth: [TruthLine] = []
        if let truthPath, FileIO.exists(truthPath) {
            let text = String(decoding: try FileIO.readFile(truthPath), as: UTF8.self)
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                truth.append(TruthLine(scenario: object["scenario"] as! String, cloud: object["cloud"] as! String,
                                       eventID: object["eventID"] as? String, eventName: object["eventName"] as! String,
                                       file: object["file"] as! String, index: object["index"] as? Int))
            }
        }
        self.truth = truth
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The event a truth line names, looked up in the file the line names.
    func event(for line: TruthLine) -> Event? {
        guard let id = line.eventID else {
            return securityCenter.first { $0.file == "\(line.file)#\(line.index ?? -1)" }
        }
        let pool = line.cloud == "aws" ? cloudTrail : actionTrail
        let key = line.cloud == "aws" ? "eventID" : "eventId"
        return pool.first { $0.file == line.file && $0.string(key) == id }
    }

    /// Events named by the truth for `scenario` (lines naming no event are a separate failure).
    func truthEvents(_ scenario: String, cloud: String) -> [Event] {
        truth.filter { $0.scenario == scenario && $0.cloud == cloud }.compactMap(event(for:))
    }

    func truthIDs(_ scenario: String, cloud: String) -> Set<String> {
        Set(truth.filter { $0.scenario == scenario && $0.cloud == cloud }.map { $0.eventID ?? "\($0.file)#\($0.index ?? -1)" })
    }
}
