import Foundation
import FuzzSupport
import TrailCore

/// The JSON core on any bytes: validation, then on valid text every walk the stages make
/// (members, elements, decoding, skipping) and compaction, whose output must be valid JSON
/// too. Validation must agree with Foundation's parser on what it accepts.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = UnsafeRawBufferPointer(start: start, count: count)
    let s = JSONScanner(text)
    // The unchecked paths must stay in bounds on anything.
    _ = s.skipValue(at: s.skipWhitespace(0))
    _ = s.text(at: s.skipWhitespace(0))
    guard let root = try? s.validateDocument() else { return 0 }
    // Where Foundation refuses valid JSON by design, the two do not have to agree: a `\u`
    // escape of a lone surrogate (RFC 8259's grammar allows it; the core reads it as U+FFFD)
    // and a number beyond a Double's range (the grammar has no range; the core passes it on).
    guard (try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])) != nil
            || hasSurrogateEscape(text) || hasHugeNumber(text) else {
        fatalError("the validator accepts what Foundation refuses: \(String(decoding: text, as: UTF8.self))")
    }
    walk(s, root)
    let compact = JSONCompactor.compact(text)
    compact.withUnsafeBytes { OutputOracle.checkLines($0, stage: "json compact", input: text) }
    precondition(!compact.contains(0x0A), "compacted JSON holds a line break")
    return 0
}

/// Visits every value as the stages do, checking that skipping agrees with validating.
private func walk(_ s: JSONScanner, _ at: Int) {
    precondition(s.skipValue(at: at) == (try? s.valueEnd(at: at)), "skipValue and valueEnd disagree at byte \(at)")
    switch s.kind(at: at) {
    case .object:
        s.forEachNamedMember(ofObjectAt: at) { name, value in
            _ = s.member(Array(name), ofObjectAt: at)
            walk(s, value)
            return true
        }
    case .array:
        s.forEachElement(ofArrayAt: at) { walk(s, $0); return true }
    default:
        _ = s.text(at: at)
    }
}

/// Whether `text` holds `\uD800`…`\uDFFF` (either case).
private func hasSurrogateEscape(_ text: UnsafeRawBufferPointer) -> Bool {
    guard text.count >= 4 else { return false }
    for i in 0..<(text.count - 3) where text[i] == UInt8(ascii: "\\") && text[i + 1] == UInt8(ascii: "u") {
        let d = text[i + 2] | 0x20, next = text[i + 3] | 0x20
        if d == UInt8(ascii: "d"), (UInt8(ascii: "8")...UInt8(ascii: "9")).contains(next) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(next) {
            return true
        }
    }
    return false
}

/// Whether `text` may hold a number a Double cannot: an exponent of three digits or more, or
/// a run of more than 300 digits.
private func hasHugeNumber(_ text: UnsafeRawBufferPointer) -> Bool {
    var digits = 0
    for (i, c) in text.enumerated() {
        digits = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) ? digits + 1 : 0
        if digits > 300 { return true }
        guard c | 0x20 == UInt8(ascii: "e"), i > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i - 1]) else { continue }
        var j = i + 1
        if j < text.count, text[j] == UInt8(ascii: "+") || text[j] == UInt8(ascii: "-") { j += 1 }
        var exponent = 0
        while j < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[j]) { exponent += 1; j += 1 }
        if exponent >= 3 { return true }
    }
    return false
}
