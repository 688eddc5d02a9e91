import Foundation
import Testing
import TrailTestSupport

/// The documentation as a user reads it: every shell example runs, README stays an overview,
/// every docs/ page has a table of contents, and links lead somewhere.
@Suite struct DocumentationTests {
    static let docs = ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/docs")) ?? [])
        .filter { $0.hasSuffix(".md") }.sorted()

    @Test func everyShellExampleRuns() throws {
        let result = try runShell("'\(packageRoot)/Tests/PipelineTests/doc-examples.sh' '\(builtExecutablesFolder())'", timeout: 900)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr.suffix(2000))")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }

    @Test func readmeIsAnOverviewThatOpensWithTheTwoCommands() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count < 250)
        let opening = readme.components(separatedBy: "```").dropFirst().first ?? ""
        #expect(opening.contains("make run") && opening.contains("make test"), "\(opening)")
    }

    @Test(arguments: docs.filter { $0 != "README.md" }) func everyPageHasATableOfContents(_ page: String) throws {
        let text = try String(contentsOfFile: packageRoot + "/docs/" + page, encoding: .utf8)
        var inFence = false
        var headings: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("```") { inFence.toggle() }
            if !inFence, line.hasPrefix("## ") { headings.append(String(line.dropFirst(3))) }
        }
        #expect(!headings.isEmpty, "\(page) has sections")
        for heading in headings {
            #expect(text.contains("- [\(heading)](#"), "\(page): '\(heading)' is in the table of contents")
        }
    }

    @Test func relativeLinksLeadToFiles() throws {
        for page in ["README.md", "ARCHITECTURE.md"] + Self.docs.map({ "docs/" + $0 }) {
            // Code spans show link syntax as text (an escaping example), not links.
            let text = try String(contentsOfFile: packageRoot + "/" + page, encoding: .utf8)
                .replacingOccurrences(of: "`[^`\n]*`", with: "", options: .regularExpression)
            let folder = (page as NSString).deletingLastPathComponent
            let regex = try NSRegularExpression(pattern: #"\]\(([^)#:]+)(#[^)]*)?\)"#)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = String(text[Range(match.range(at: 1), in: text)!])
                let path = folder.isEmpty ? target : folder + "/" + target
                #expect(FileManager.default.fileExists(atPath: packageRoot + "/" + path), "\(page) links \(target)")
            }
        }
    }
}
