import Foundation
import Testing
import TrailCore
import TrailTestSupport

/// Debian's headless Chromium, installed by `make deps` (APT_PACKAGES). When it is missing the
/// tests try to install it (as root); only when that fails are they skipped.
enum Chromium {
    static let available: Bool = {
        if isInstalled() { return true }
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") {
            _ = try? runShell("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null", timeout: 900)
        }
        return isInstalled()
    }()

    private static func isInstalled() -> Bool {
        (try? runShell("command -v chromium"))?.status == 0
    }

    /// Runs chromium headless on a local file with no network at all: names do not resolve,
    /// background services are off, and a fresh profile is thrown away afterwards.
    static func run(_ page: String, _ mode: String, window: (Int, Int) = (1280, 2000)) throws -> CommandResult {
        let profile = try TemporaryDirectory("trail-report-chromium")
        defer { profile.remove() }
        return try runShell("""
            chromium --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
              --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
              --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir='\(profile.path)' \
              --window-size=\(window.0),\(window.1) --hide-scrollbars \(mode) 'file://\(page)'
            """, timeout: 90)
    }

    /// The verdict of the page's own self-check, read back from the DOM.
    static func verdict(_ dom: String) -> (render: String?, check: String?) {
        func capture(_ pattern: String) -> String? {
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
                  let match = regex.firstMatch(in: dom, range: NSRange(dom.startIndex..., in: dom)),
                  let range = Range(match.range(at: 1), in: dom) else { return nil }
            return String(dom[range])
        }
        return (capture("<html[^>]* data-render=\"([a-z]+)\""), capture("<output id=\"render-check\"[^>]*>(.*?)</output>"))
    }
}

@Suite(.serialized, .enabled(if: Chromium.available, "chromium is not installed and could not be installed: run 'sudo make deps'"))
struct BrowserTests {
    let env = SampleInput.environment

    func samplePage(in dir: TemporaryDirectory) throws -> String {
        let input = try SampleInput.load()
        let page = dir.path + "/report.html"
        let run = try runShell("trail-report --title 'sample trail' --out '\(page)' '\(input.events)' '\(input.alerts)' '\(input.integrity)'", environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        return page
    }

    @Test func theSampleReportRendersEveryPanelWithData() throws {
        let dir = try TemporaryDirectory("trail-report-browser")
        defer { dir.remove() }
        let page = try samplePage(in: dir)
        let dom = try Chromium.run(page, "--dump-dom")
        #expect(dom.status == 0, "\(dom.stderr.suffix(400))")
        let verdict = Chromium.verdict(dom.stdout)
        #expect(verdict.render == "ok", "\(verdict.check ?? "no verdict in the DOM")")
        let check = try #require(verdict.check)
        let charts = Int(check.split(separator: " ")[1]) ?? 0
        #expect(check.hasPrefix("ok ") && charts >= 12, "\(check)")

        let shot = dir.path + "/report.png"
        let screenshot = try Chromium.run(page, "--screenshot='\(shot)'", window: (1280, 2400))
        #expect(screenshot.status == 0, "\(screenshot.stderr.suffix(400))")
        let image = try PNGImage(Array(FileIO.readFile(shot)))
        #expect(image.width == 1280 && image.height == 2400)
        // Not blank: many colours, the page's background not everywhere, and the charts'
        // colours (ranked series, successes, failures) drawn.
        var histogram: [UInt32: Int] = [:]
        for y in stride(from: 0, to: image.height, by: 2) {
            for x in stride(from: 0, to: image.width, by: 2) { histogram[image.color(x: x, y: y), default: 0] += 1 }
        }
        let samples = histogram.values.reduce(0, +)
        #expect(histogram.count > 50, "only \(histogram.count) colours")
        #expect((histogram.values.max() ?? 0) < samples * 9 / 10, "one colour covers nearly everything")
        for color: UInt32 in [0x4E79A7, 0x59A14F, 0xE15759, 0xF28E2B] {
            #expect((histogram[color] ?? 0) > 20, "chart colour #\(String(color, radix: 16)) barely drawn")
        }
    }

    @Test func anEmptyReportSaysSoInEveryPanel() throws {
        let dir = try TemporaryDirectory("trail-report-empty")
        defer { dir.remove() }
        let run = try runShell("trail-report --out '\(dir.path)/empty.html' </dev/null", environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        let dom = try Chromium.run(dir.path + "/empty.html", "--dump-dom")
        let verdict = Chromium.verdict(dom.stdout)
        #expect(verdict.render == "ok" && verdict.check == "ok 0 charts, 0 marks", "\(verdict.check ?? "no verdict")")
        #expect(dom.stdout.components(separatedBy: "class=\"empty\"").count - 1 >= 10)
    }

    @Test func theSelfCheckCatchesBlankChartsAndScriptErrors() throws {
        let dir = try TemporaryDirectory("trail-report-broken")
        defer { dir.remove() }
        let page = try samplePage(in: dir)
        var html = try String(contentsOfFile: page, encoding: .utf8)
        html = html.replacingOccurrences(of: "<main>", with: "<main><section class=\"panel\" id=\"blank\"><svg class=\"chart\" aria-label=\"blank chart\" viewBox=\"0 0 10 10\"><rect class=\"mark\" width=\"0\" height=\"5\"/></svg></section><section class=\"panel\" id=\"nothing\"><h2>nothing</h2></section>")
        html = html.replacingOccurrences(of: "</body>", with: "<script>window.addEventListener('load', function(){ notDefined(); });</script></body>")
        let broken = try dir.write("broken.html", html)
        let dom = try Chromium.run(broken, "--dump-dom")
        let verdict = Chromium.verdict(dom.stdout)
        #expect(verdict.render == "problems")
        let check = verdict.check ?? ""
        #expect(check.contains("chart \"blank chart\" drew nothing"), "\(check)")
        #expect(check.contains("panel nothing shows neither data nor words"), "\(check)")
        #expect(check.contains("script error"), "\(check)")
    }
}
