import Foundation
import TrailCore
import Yams

struct ModifierProblem: Error, CustomStringConvertible {
    let description: String
}

/// The modifier chain of one `field|mod|mod` key: collected one by one, checked for conflicts,
/// then applied to each rule value, in Sigma's order (expand, then the encodings, then windash,
/// then the contains/startswith/endswith shape).
final class FieldModifiers {
    enum Kind: Equatable {
        case plain, regex, cidr, exists, fieldref
        case compare(ValueTest.Comparison)
        case timePart(ValueTest.TimePart)
    }

    private(set) var requireAll = false
    /// `neq`: the field has a value and it matches none of the rule's (pySigma negates the item).
    private(set) var negated = false
    private var cased = false
    private var shape: (before: Bool, after: Bool)?
    /// base64, base64offset, windash, expand, in the order written.
    private var transforms: [String] = []
    private var kind = Kind.plain
    private var regexOptions = RegexFlags()
    private var regexFlags = false

    /// Records `modifier`; returns what is wrong with it, if anything.
    func add(_ modifier: String) -> String? {
        switch modifier {
        case "all": requireAll = true
        case "neq": negated = true
        case "cased": cased = true
        case "contains", "startswith", "endswith":
            guard shape == nil else { return "only one of contains, startswith, endswith may be used" }
            shape = (modifier != "startswith", modifier != "endswith")
        case "base64", "base64offset", "windash", "expand", "wide", "utf16", "utf16le", "utf16be":
            guard !transforms.contains(modifier) else { return "'\(modifier)' is given twice" }
            transforms.append(modifier)
        case "re", "cidr", "exists", "fieldref", "gt", "gte", "lt", "lte", "minute", "hour", "day", "week", "month", "year":
            guard kind == .plain else { return "'\(modifier)' cannot be combined with another value type" }
            switch modifier {
            case "re": kind = .regex
            case "cidr": kind = .cidr
            case "exists": kind = .exists
            case "fieldref": kind = .fieldref
            case "gt", "gte", "lt", "lte": kind = .compare(ValueTest.Comparison(rawValue: modifier)!)
            default: kind = .timePart(ValueTest.TimePart(rawValue: modifier)!)
            }
        case "i", "ignorecase": regexFlags = true; regexOptions.caseless = true
        case "m", "multiline": regexFlags = true; regexOptions.multiline = true
        case "s", "dotall": regexFlags = true; regexOptions.dotAll = true
        default:
            return "unsupported field modifier '\(modifier)'"
        }
        return nil
    }

    /// What is wrong with the chain as a whole, if anything.
    var conflict: String? {
        if regexFlags && kind != .regex { return "i, m and s apply to 're' only" }
        switch kind {
        case .plain: return nil
        case .fieldref:
            return transforms.isEmpty ? nil : "'fieldref' takes no encodings"
        case .regex, .cidr, .exists, .compare, .timePart:
            if kind == .exists && negated { return "'exists' takes no 'neq': write exists: false" }
            if shape != nil || !transforms.isEmpty || (cased && kind != .regex) {
                return "this value type takes no other modifiers than 'all'"
            }
            return kind == .regex && cased ? "'re' is already case-sensitive; use (?i) or |i to ignore case" : nil
        }
    }

    /// The test one rule value stands for.
    func expected(_ scalar: Node.Scalar, placeholders: [String: [String]]) throws -> FieldMatcher.Expected {
        let text = scalar.string
        switch kind {
        case .exists:
            switch text.lowercased() {
            case "true", "yes": return .exists(true)
            case "false", "no": return .exists(false)
            default: throw ModifierProblem(description: "'exists' takes true or false, not '\(text)'")
            }
        case .regex:
            do {
                return .test(.regex(try SigmaRegex(text, flags: regexOptions)))
            } catch {
                throw ModifierProblem(description: "invalid regular expression '\(text)'")
            }
        case .cidr:
            guard let network = ValueTest.Network(text) else { throw ModifierProblem(description: "'\(text)' is not a network (address/prefix)") }
            return .test(.cidr(network))
        case .compare(let op):
            guard let n = Double(text) else { throw ModifierProblem(description: "'\(op.rawValue)' needs a number, not '\(text)'") }
            return .test(.compare(op, n))
        case .timePart(let part):
            guard let n = Int(text), part.range.contains(n) else {
                throw ModifierProblem(description: "'\(part.rawValue)' needs a whole number in \(part.range.lowerBound)...\(part.range.upperBound), not '\(text)'")
            }
            return .test(.timePart(part, n))
        case .fieldref:
            return .test(.fieldref(JSONPath(text), before: shape?.before ?? false, after: shape?.after ?? false, cased: cased))
        case .plain:
            // YAML's plain null spellings; a quoted '' is an empty string, not null.
            if scalar.style == .plain, ["null", "Null", "NULL", "~", ""].contains(text), transforms.isEmpty {
                return .null
            }
            let (variants, wildcards) = try encoded(text, placeholders: placeholders)
            let tests = variants.map { v -> ValueTest in
                var p = Pattern(v, wildcards: wildcards, cased: cased)
                if let shape { p = p.surrounded(before: shape.before, after: shape.after) }
                return .pattern(p)
            }
            return tests.count == 1 ? .test(tests[0]) : .anyTest(tests)
        }
    }

    /// The spellings a plain value stands for once `transforms` are applied in the order
    /// written, and whether they keep their wildcards (encoded text does not).
    private func encoded(_ text: String, placeholders: [String: [String]]) throws -> ([String], Bool) {
        var variants = [Array(text.utf8)]
        var wildcards = true
        for transform in transforms {
            switch transform {
            case "expand": variants = try variants.flatMap { try FieldModifiers.expand(String(decoding: $0, as: UTF8.self), placeholders).map { Array($0.utf8) } }
            case "windash": variants = try variants.flatMap { try FieldModifiers.windash(String(decoding: $0, as: UTF8.self)).map { Array($0.utf8) } }
            case "base64":
                variants = variants.map { Array(Base64.encode($0).utf8) }
                wildcards = false
            case "base64offset":
                variants = variants.flatMap { FieldModifiers.base64Offsets($0).map { Array($0.utf8) } }
                wildcards = false
            default: variants = variants.map { FieldModifiers.utf16($0, transform) }
            }
        }
        return (variants.map { String(decoding: $0, as: UTF8.self) }, wildcards)
    }

    /// `wide`/`utf16le` (UTF-16 little-endian), `utf16be`, `utf16` (little-endian after a
    /// byte-order mark), as pySigma encodes them.
    static func utf16(_ bytes: [UInt8], _ form: String) -> [UInt8] {
        var units = Array(String(decoding: bytes, as: UTF8.self).utf16)
        if form == "utf16" { units.insert(0xFEFF, at: 0) }
        return units.flatMap { u in form == "utf16be" ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
    }

    /// The three base64 encodings of `value` at each byte offset, trimmed of the characters
    /// that depend on the surrounding bytes: one of them appears in any base64 text holding it.
    static func base64Offsets(_ value: String) -> [String] {
        base64Offsets(Array(value.utf8))
    }

    static func base64Offsets(_ bytes: [UInt8]) -> [String] {
        let starts = [0, 2, 3]
        let endTrims = [0, 3, 2]
        return (0..<3).map { i in
            let encoded = Array(Base64.encode(Array(repeating: UInt8(ascii: " "), count: i) + bytes))
            let trim = endTrims[(bytes.count + i) % 3]
            let end = encoded.count - trim
            return end > starts[i] ? String(encoded[starts[i]..<end]) : ""
        }
    }

    /// Every spelling of a command-line switch: a `-` or `/` starting a word becomes each of
    /// `-`, `/`, en dash, em dash and horizontal bar.
    static func windash(_ value: String) throws -> [String] {
        let dashes: [Character] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"]
        let chars = Array(value)
        var positions: [Int] = []
        for (k, c) in chars.enumerated() where c == "-" || c == "/" {
            let afterWord = k > 0 && (chars[k - 1].isLetter || chars[k - 1].isNumber || chars[k - 1] == "_")
            let beforeWord = k + 1 < chars.count && (chars[k + 1].isLetter || chars[k + 1].isNumber)
            if !afterWord && beforeWord { positions.append(k) }
        }
        guard positions.count <= 4 else { throw ModifierProblem(description: "'windash' on more than 4 switches") }
        var variants = [chars]
        for p in positions {
            variants = variants.flatMap { v in dashes.map { d in var w = v; w[p] = d; return w } }
        }
        return variants.map { String($0) }
    }

    /// `%name%` placeholders replaced by each of their values.
    static func expand(_ value: String, _ placeholders: [String: [String]]) throws -> [String] {
        guard let open = value.firstIndex(of: "%"),
              let close = value[value.index(after: open)...].firstIndex(of: "%") else { return [value] }
        let name = String(value[value.index(after: open)..<close])
        guard let replacements = placeholders[name] else {
            throw ModifierProblem(description: "placeholder '%\(name)%' is not defined (give --placeholders FILE)")
        }
        let head = String(value[..<open])
        let tails = try expand(String(value[value.index(after: close)...]), placeholders)
        return replacements.flatMap { r in tails.map { head + r + $0 } }
    }
}

/// Example events written in YAML, as the JSON lines the matcher reads.
enum YAMLToJSON {
    static func text(_ node: Node) -> String {
        var json = JSONWriter(capacity: 256)
        write(node, &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    private static func write(_ node: Node, _ json: inout JSONWriter) {
        switch node {
        case .mapping(let map):
            json.beginObject()
            for (k, v) in map {
                json.key(k.string ?? "")
                write(v, &json)
            }
            json.endObject()
        case .sequence(let list):
            json.beginArray()
            for v in list { write(v, &json) }
            json.endArray()
        case .scalar(let scalar):
            // Plain scalars keep YAML's types; quoted ones are strings.
            let text = scalar.string
            guard scalar.style == .plain else { return json.string(text) }
            if ["null", "Null", "NULL", "~", ""].contains(text) { return json.null() }
            if ["true", "True", "TRUE"].contains(text) { return json.bool(true) }
            if ["false", "False", "FALSE"].contains(text) { return json.bool(false) }
            if Int64(text) != nil || (Double(text) != nil && text.allSatisfy({ "0123456789.eE+-".contains($0) })) {
                return json.raw(Array(text.utf8))
            }
            json.string(text)
        case .alias:
            json.null()
        }
    }
}
