import TrailCore

/// What every stage promises about its output: each line is one valid JSON value, by the
/// core's validator. The validator itself is held to Foundation's parser by fuzz-json, so
/// that a laxness it shared with the writers would not go unseen.
public enum OutputOracle {
    public static func checkLines(_ output: UnsafeRawBufferPointer, stage: String) {
        forEachLine(output) { checkDocument($0, stage: stage) }
    }

    /// Whether every line of `text` is valid JSON by the core's validator.
    public static func isValidNDJSON(_ text: UnsafeRawBufferPointer) -> Bool {
        var valid = true
        forEachLine(text) { line in
            if valid, !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
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
