import TrailCore

/// The page's colours: series by rank, and fixed colours for meanings, so the same thing has
/// the same colour on every chart.
enum Palette {
    static let series = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
    static let other = "#bab0ac"
    static let good = "#59a14f"
    static let bad = "#e15759"
    static let denied = "#f28e2b"
    static let neutral = "#4e79a7"

    static let levels = ["critical", "high", "medium", "low", "informational"]

    private static let levelColours = ["critical": "#7b2d8e", "high": "#e15759", "medium": "#f28e2b", "low": "#4e79a7",
                                       "informational": "#9aa5b1"]

    static func level(_ level: String) -> String { levelColours[level] ?? other }

    /// Colours for series ranked largest first; "(other)" is always grey.
    static func colors(for keys: [String]) -> [String] {
        var next = 0
        return keys.map { key in
            if key == TimeSeries.otherKey { return other }
            defer { next += 1 }
            return series[next % series.count]
        }
    }
}

/// Inline SVG charts. Every drawn bar has class `mark`, which the page's self-check counts.
enum Chart {
    struct Layer {
        let name: String
        let color: String
        let counts: [Int]
    }

    /// Stacked bars over time. `wide` charts span the page; others fill a half-width panel.
    static func stackedBars(_ layers: [Layer], starts: [Timestamp], width bucket: BucketWidth, label: String, wide: Bool) -> String {
        let w = wide ? 1200.0 : 600.0, h = 220.0
        let left = 52.0, right = 10.0, top = 10.0, bottom = 30.0
        let plotW = w - left - right, plotH = h - top - bottom
        let n = max(starts.count, 1)
        let totals = (0..<starts.count).map { i in layers.reduce(0) { $0 + $1.counts[i] } }
        let maxValue = niceCeiling(totals.max() ?? 0)
        var svg = header(width: w, height: h, label: label)
        // Grid and y labels: 0, ¼, ½, ¾, 1 of a round maximum.
        for step in 0...4 {
            let value = maxValue * step / 4
            let y = top + plotH - plotH * Double(value) / Double(maxValue)
            svg += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(w - right))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTML.number(value))</text>"
        }
        let band = plotW / Double(n)
        let barW = max(band * 0.82, 0.8)
        for i in 0..<starts.count {
            var base = 0
            let x = left + band * Double(i) + (band - barW) / 2
            for layer in layers where layer.counts[i] > 0 {
                let y0 = top + plotH - plotH * Double(base + layer.counts[i]) / Double(maxValue)
                let barH = plotH * Double(layer.counts[i]) / Double(maxValue)
                svg += "<rect class=\"mark\" x=\"\(f(x))\" y=\"\(f(y0))\" width=\"\(f(barW))\" height=\"\(f(max(barH, 0.8)))\" fill=\"\(layer.color)\">"
                svg += "<title>\(HTML.escape(bucketLabel(starts[i], bucket, long: true))) · \(HTML.escape(layer.name)): \(HTML.number(layer.counts[i]))</title></rect>"
                base += layer.counts[i]
            }
        }
        // X labels: about eight, on round boundaries (midnights for hours).
        let maxLabels = wide ? 12 : 6
        var every = max(1, (n + maxLabels - 1) / maxLabels)
        if bucket == .hour { every = [1, 2, 3, 6, 12, 24, 48, 72, 168].first { $0 >= every } ?? every }
        for i in 0..<starts.count where isLabelled(starts[i], index: i, every: every, bucket: bucket) {
            let x = left + band * (Double(i) + 0.5)
            svg += "<line class=\"tick\" x1=\"\(f(x))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH + 4))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(x))\" y=\"\(f(h - 12))\" text-anchor=\"middle\">\(HTML.escape(bucketLabel(starts[i], bucket, long: false)))</text>"
        }
        svg += "<line class=\"baseline\" x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(w - right))\" y2=\"\(f(top + plotH))\"/>"
        return svg + "</svg>"
    }

    struct Row {
        let label: String
        let value: Int
        var color: String = Palette.neutral
        var note: String? = nil
    }

    /// Horizontal bars, one row per value, largest first as given.
    static func bars(_ rows: [Row], label: String) -> String {
        let w = 600.0, rowH = 24.0, top = 4.0
        let labelW = 240.0, countW = 70.0
        let barMax = w - labelW - countW - 10
        let h = top * 2 + rowH * Double(rows.count)
        let maxValue = max(rows.map(\.value).max() ?? 1, 1)
        var svg = header(width: w, height: h, label: label)
        for (i, row) in rows.enumerated() {
            let y = top + rowH * Double(i)
            let shown = row.label.count > 30 ? String(row.label.prefix(29)) + "…" : row.label
            svg += "<text class=\"label\" x=\"\(f(labelW - 8))\" y=\"\(f(y + 16))\" text-anchor=\"end\"><title>\(HTML.escape(row.label))</title>\(HTML.escape(shown))</text>"
            let barW = max(barMax * Double(row.value) / Double(maxValue), 1)
            svg += "<rect class=\"mark\" x=\"\(f(labelW))\" y=\"\(f(y + 4))\" width=\"\(f(barW))\" height=\"\(f(rowH - 8))\" rx=\"2\" fill=\"\(row.color)\">"
            svg += "<title>\(HTML.escape(row.label)): \(HTML.number(row.value))\(row.note.map { " (\(HTML.escape($0)))" } ?? "")</title></rect>"
            svg += "<text class=\"count\" x=\"\(f(labelW + barW + 6))\" y=\"\(f(y + 16))\">\(HTML.number(row.value))\(row.note.map { " " + HTML.escape($0) } ?? "")</text>"
        }
        return svg + "</svg>"
    }

    private static func header(width: Double, height: Double, label: String) -> String {
        "<svg class=\"chart\" role=\"img\" aria-label=\"\(HTML.escape(label))\" viewBox=\"0 0 \(f(width)) \(f(height))\" preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">"
    }

    /// The top of the y axis: four times a round step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × a power of
    /// ten, whole), at least `value`, so the grid lines get round, whole labels.
    static func niceCeiling(_ value: Int) -> Int {
        let needed = max(1, (value + 3) / 4)
        var power = 1
        while power * 10 < needed { power *= 10 }
        for tenths in [10, 15, 20, 25, 30, 40, 50, 60, 80, 100] where tenths * power % 10 == 0 && tenths * power / 10 >= needed {
            return 4 * tenths * power / 10
        }
        return 40 * power
    }

    private static func isLabelled(_ start: Timestamp, index: Int, every: Int, bucket: BucketWidth) -> Bool {
        if bucket == .hour && every >= 24 && every % 24 == 0 {
            return start.utcComponents.hour == 0 && (start.seconds / 86_400) % Int64(every / 24) == 0
        }
        if bucket == .hour && every > 1 { return start.utcComponents.hour % every == 0 }
        return index % every == 0
    }

    static func bucketLabel(_ start: Timestamp, _ bucket: BucketWidth, long: Bool) -> String {
        let date = start.utc("%Y-%m-%d"), day = start.utc("%m-%d")
        switch bucket {
        case .hour:
            if long { return start.utc("%Y-%m-%d %H:00 UTC") }
            return start.utcComponents.hour == 0 ? day : start.utc("%H:00")
        case .day: return long ? date : day
        default: return long ? "\(bucket.name) from \(date)" : day
        }
    }

    /// Coordinates with one decimal: enough for a crisp chart, short in the file.
    private static func f(_ v: Double) -> String {
        let tenths = (v * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }
}
