import TrailCore

/// The header fields by their dotted names, in the documented order of `--format line`.
public enum HeaderField: String, CaseIterable, Sendable {
    case cloud, time, account, region, service, action
    case actorName = "actor.name", actorType = "actor.type", actorRoot = "actor.root", actorMFA = "actor.mfa"
    case sourceIP = "source.ip", sourceService = "source.service"
    case agent, outcome, error, readOnly, category, id, file, index

    /// `time,action,actor.name` → the fields, or the first unknown name.
    public static func parseList(_ list: String) -> Result<[HeaderField], UnknownField> {
        var fields: [HeaderField] = []
        for name in list.split(separator: ",", omittingEmptySubsequences: true) {
            let trimmed = name.trimmingSpaces
            guard let field = HeaderField(rawValue: trimmed) else { return .failure(UnknownField(name: trimmed)) }
            fields.append(field)
        }
        return .success(fields)
    }

    public struct UnknownField: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown header field '\(name)'; known: \(HeaderField.allCases.map(\.rawValue).joined(separator: ","))"
        }
    }
}

private extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

extension Header {
    /// The field as one tab-free column of `--format line`: `-` when missing; tabs, line
    /// breaks and backslashes escaped as `\t`, `\n`, `\r`, `\\`.
    func appendText(_ field: HeaderField, to out: inout [UInt8]) {
        func escaped(_ b: UInt8) {
            switch b {
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            default: out.append(b)
            }
        }
        func text(_ value: String?) {
            guard let value else { return out.append(UInt8(ascii: "-")) }
            for b in value.utf8 { escaped(b) }
        }
        func text(_ value: HeaderText?) {
            guard let value else { return out.append(UInt8(ascii: "-")) }
            value.withBytes { bytes in for b in bytes { escaped(b) } }
        }
        switch field {
        case .cloud: text(cloud)
        case .time: text(time)
        case .account: text(account)
        case .region: text(region)
        case .service: text(service)
        case .action: text(action)
        case .actorName: text(actorName)
        case .actorType: text(actorType)
        case .actorRoot: text(String(actorIsRoot))
        case .actorMFA: text(mfa.map(String.init))
        case .sourceIP: text(sourceIP)
        case .sourceService: text(sourceService)
        case .agent: text(agent)
        case .outcome: text(outcome)
        case .error: text(error)
        case .readOnly: text(readOnly.map(String.init))
        case .category: text(category?.rawValue)
        case .id: text(id)
        case .file: text(file)
        case .index: text(String(index))
        }
    }

    /// An Alibaba Security Center CSPM check result (`__topic__` = `sas-cspm-log`, scenario
    /// D19). It is a finding about a resource, not a call: the service is `sas`, the action
    /// the check item, the resource's region and the check's time; a failed check
    /// (`status` NOT_PASS) is the `failure` outcome with the status as its error. docs/schema.md,
    /// "Event schema", lists the mapping.
    init(cspm s: JSONScanner, record root: Int, file: String, index: Int) {
        self.file = file
        self.index = index
        func text(_ key: String) -> HeaderText? {
            s.member(key, ofObjectAt: root).flatMap { HeaderText(s, at: $0) }
        }
        cloud = "alibaba"
        if let seconds = (text("start_time") ?? text("__time__")).flatMap({ Double($0.string) }), seconds.magnitude < 1e14 {
            time = .made(Timestamp(epoch: seconds).rfc3339)
        }
        account = text("aliuid") ?? text("uid")
        region = text("region_id")
        service = "sas"
        action = text("check_item_name") ?? text("check_id")
        actorType = "service"
        sourceService = "sas"
        if let status = text("status"), status.equals("NOT_PASS") { error = status }
        readOnly = true
        category = .read
        id = nil
    }
}
