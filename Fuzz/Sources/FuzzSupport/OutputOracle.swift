import Foundation
import TrailCore

/// What every stage promises about its output: each line is one valid JSON value, by the
/// core's validator, and for a sample of inputs by Foundation's parser too, a second opinion
/// so that a laxness shared by the validator and the writers does not go unseen. The sample
/// is of inputs that Foundation reads itself: what the validator lets through (fuzz-json's
/// findings) is passed on by design, and is no fault of the stage.
public enum OutputOracle {
    private static let sampleEvery = 8

    public static func checkLines(_ output: UnsafeRawBufferPointer, stage: String, input: UnsafeRawBufferPointer) {
        forEachLine(output) { checkDocument($0, stage: stage) }
        guard input.count % sampleEvery == 0, isFoundationJSON(input) else { return }
        forEachLine(output) { line in
            guard isFoundationJSON(line) else {
                fatalError("\(stage) wrote a line Foundation cannot parse: \(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    /// Whether Foundation reads `text` as one document, or as one document per line.
    private static func isFoundationJSON(_ text: UnsafeRawBufferPointer) -> Bool {
        func parses(_ t: UnsafeRawBufferPointer) -> Bool {
            (try? JSONSerialization.jsonObject(with: Data(t), options: [.fragmentsAllowed])) != nil
        }
        if parses(text) { return true }
        var all = true
        forEachLine(text) { line in
            if all, !isBlank(line) { all = parses(line) }
        }
        return all
    }

    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Whether every line of `text` is valid JSON by the core's validator.
    public static func isValidNDJSON(_ text: UnsafeRawBufferPointer) -> Bool {
        var valid = true
        forEachLine(text) { line in
            if valid, !isBlank(line) {
                valid = (try? JSONScanner(line).validateDocument()) != nil
            }
        }
        return valid
    }

    private static func forEachLine(_ text: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start < text.count {
            let end = text[start...].firstIndex(of: 0x0A) ?? text.count
            body(UnsafeRawBufferPointer(rebasing: text[start..<end]))
            start = end + 1
        }
    }

    private static func checkDocument(_ text: UnsafeRawBufferPointer, stage: String) {
        do {
            _ = try JSONScanner(text).validateDocument()
        } catch {
            fatalError("\(stage) wrote a line that is not JSON (\(error)): \(String(decoding: text, as: UTF8.self))")
        }
    }
}
