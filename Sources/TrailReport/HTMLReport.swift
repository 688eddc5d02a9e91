import TrailCore

/// Text for HTML: escaping, numbers, times.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// 12345 → "12,345".
    static func number(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// 250000 → "2 d 21 h"; short spans in hours and minutes.
    static func duration(_ seconds: Int64) -> String {
        let days = seconds / 86_400, hours = seconds % 86_400 / 3600, minutes = seconds % 3600 / 60
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        return minutes > 0 ? "\(minutes) min" : "\(seconds) s"
    }

    static func time(_ t: Timestamp?) -> String { t?.utc("%Y-%m-%d %H:%M:%S") ?? "–" }
}

/// The page: a summary strip, then one panel per question (docs/tools.md, "trail-report").
struct HTMLReport {
    let data: ReportData
    let title: String
    let bucketing: Bucketing
    let top: Int
    let skippedLines: Int

    /// Bars drawn at most on a time chart; a finer grouping than that is made coarser.
    static let maxDisplayedBuckets = 800

    func render() -> String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        page += "<title>\(HTML.escape(title))</title><style>\(Self.style)</style></head><body>"
        page += "<header><h1>\(HTML.escape(title))</h1><p class=\"sub\">\(HTML.escape(subtitle))</p></header>"
        page += summary()
        page += "<main>"
        page += activityPanels()
        page += topPanels()
        page += signInPanel()
        page += deniedPanel()
        page += createdDeletedPanel()
        page += changesPanel()
        page += countriesPanel()
        page += actionsPanel()
        page += alertsPanel()
        page += integrityPanel()
        page += "</main><footer>Written by trail-report. Times are UTC. Lists marked approximate are Space-Saving counts: "
        page += "exact below \(HTML.number(data.limits.topCounters)) distinct values, upper bounds beyond.</footer>"
        page += "<output id=\"render-check\" hidden></output><script>\(Self.selfCheck)</script></body></html>\n"
        return page
    }

    // MARK: Time

    private var range: (from: Timestamp, to: Timestamp)? { data.shownRange }

    /// The grouping the charts use: what was asked (auto: hours up to four days, days up to 26
    /// weeks, then weeks), no finer than any series had to keep, and at most
    /// `maxDisplayedBuckets` bars.
    private var bucket: BucketWidth {
        guard let range else { return .hour }
        let span = range.to.seconds - range.from.seconds
        var width: BucketWidth
        switch bucketing {
        case .hour: width = .hour
        case .day: width = .day
        case .auto: width = span <= 4 * 86_400 ? .hour : span <= 182 * 86_400 ? .day : .week
        }
        let stored = [data.activityByService, data.activityByRegion, data.signIns.series, data.deniedSeries,
                      data.createdAndDeleted, data.alerts.series].map(\.width).max() ?? .hour
        width = max(width, stored)
        while span / width.rawValue + 1 > Int64(Self.maxDisplayedBuckets), let coarser = width.coarser { width = coarser }
        return width
    }

    private var subtitle: String {
        guard let range else { return "No timed records in the input." }
        return "\(HTML.time(range.from)) – \(HTML.time(range.to)) UTC, by \(bucket.name)"
    }

    // MARK: Summary

    private func summary() -> String {
        var cards: [String] = []
        var eventsNote: [String] = []
        if data.outsideRange > 0 { eventsNote.append("\(HTML.number(data.outsideRange)) records outside the range left out") }
        if skippedLines > 0 { eventsNote.append("\(HTML.number(skippedLines)) bad lines skipped") }
        if data.eventsWithoutTime > 0 { eventsNote.append("\(HTML.number(data.eventsWithoutTime)) without a time") }
        cards.append(card("Events", HTML.number(data.events), eventsNote.joined(separator: "; ")))
        if let range {
            cards.append(card("Time range", HTML.duration(range.to.seconds - range.from.seconds + 1),
                              "\(HTML.time(range.from).prefix(16)) to \(HTML.time(range.to).prefix(16)) UTC, charts by \(bucket.name)"))
        } else {
            cards.append(card("Time range", "–", "no timed records"))
        }
        cards.append(card("Accounts", distinct(data.accounts), data.accounts.top(3).map(\.value).joined(separator: ", ")))
        cards.append(card("Regions", distinct(data.regions), data.regions.top(3).map(\.value).joined(separator: ", ")))
        var chips = ""
        for level in Palette.levels + otherLevels() {
            guard let count = data.alerts.byLevel[level] else { continue }
            chips += "<span class=\"chip\" style=\"background:\(Palette.level(level))\">\(HTML.escape(level)) \(HTML.number(count))</span> "
        }
        cards.append(card("Alerts", HTML.number(data.alerts.total), chips.isEmpty ? "none" : chips, raw: true))
        let problems = data.integrity.problemCount
        cards.append(card("Integrity", data.integrity.total == 0 ? "–" : problems == 0 ? "ok" : HTML.number(problems),
                          data.integrity.total == 0 ? "no findings read" : "\(HTML.number(problems)) problems in \(HTML.number(data.integrity.total)) findings",
                          alarm: problems > 0))
        return "<section class=\"summary\">" + cards.joined() + "</section>"
    }

    private func card(_ name: String, _ value: String, _ note: String, raw: Bool = false, alarm: Bool = false) -> String {
        "<div class=\"card\(alarm ? " alarm" : "")\"><div class=\"name\">\(name)</div><div class=\"value\">\(HTML.escape(value))</div>"
            + "<div class=\"note\">\(raw ? note : HTML.escape(note))</div></div>"
    }

    private func distinct(_ counter: TopCounter) -> String {
        (counter.isApproximate ? "≥ " : "") + HTML.number(counter.distinctCount)
    }

    private func otherLevels() -> [String] {
        data.alerts.byLevel.keys.filter { !Palette.levels.contains($0) }.sorted()
    }

    // MARK: Panels

    private func panel(_ id: String, _ title: String, hint: String, wide: Bool = false, _ body: String) -> String {
        "<section class=\"panel\(wide ? " wide" : "")\" id=\"\(id)\"><h2>\(HTML.escape(title))</h2><p class=\"hint\">\(HTML.escape(hint))</p>\(body)</section>"
    }

    private func empty(_ text: String) -> String { "<p class=\"empty\">\(HTML.escape(text))</p>" }

    private func figures(_ items: [(String, Int, String?)]) -> String {
        "<div class=\"figures\">" + items.map { name, value, color in
            "<div class=\"figure\"><span class=\"value\"\(color.map { " style=\"color:\($0)\"" } ?? "")>\(HTML.number(value))</span><span class=\"name\">\(HTML.escape(name))</span></div>"
        }.joined() + "</div>"
    }

    /// A time chart of a series' largest keys, with its legend, or words when there is nothing.
    /// `fixed`: series with a meaning, drawn in this order and colour; else the `limit` largest.
    private func timeChart(_ series: TimeSeries, label: String, limit: Int = 8, fixed: [(key: String, color: String)] = [], wide: Bool, emptyText: String) -> String {
        guard let range, !series.isEmpty else { return empty(emptyText) }
        let binned = series.binned(by: bucket, from: range.from, to: range.to)
        let shown: [BinnedSeries.Series]
        if fixed.isEmpty {
            shown = binned.largest(limit)
        } else {
            let order = fixed.map(\.key)
            shown = binned.series.filter { $0.total > 0 }.sorted { (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (order.firstIndex(of: $1.key) ?? order.count, $1.key) }
        }
        guard !shown.isEmpty else { return empty(emptyText) }
        let palette = Palette.colors(for: shown.map(\.key))
        let layers = shown.enumerated().map { i, s in Chart.Layer(name: s.key, color: fixed.first { $0.key == s.key }?.color ?? palette[i], counts: s.counts) }
        return Chart.stackedBars(layers, starts: binned.starts, width: binned.width, label: label, wide: wide) + legend(layers)
    }

    private func legend(_ layers: [Chart.Layer]) -> String {
        "<div class=\"legend\">" + layers.map {
            "<span><i style=\"background:\($0.color)\"></i>\(HTML.escape($0.name)) <b>\(HTML.number($0.counts.reduce(0, +)))</b></span>"
        }.joined() + "</div>"
    }

    private func topBars(_ counter: TopCounter, label: String, color: String = Palette.neutral, names: (String) -> String = { $0 }, emptyText: String) -> String {
        let entries = counter.top(top)
        guard !entries.isEmpty else { return empty(emptyText) }
        let rows = entries.map { Chart.Row(label: names($0.value), value: $0.count, color: color, note: $0.error > 0 ? "±\(HTML.number($0.error))" : nil) }
        var html = Chart.bars(rows, label: label)
        if counter.isApproximate {
            html += "<p class=\"note\">Approximate: more than \(HTML.number(counter.capacity)) distinct values; counts are upper bounds (± the possible error).</p>"
        }
        return html
    }

    private func activityPanels() -> String {
        panel("activity-service", "Activity over time by service", hint: "Events per \(bucket.name): the seven busiest services, and the rest together.", wide: true,
              timeChart(data.activityByService, label: "Events by service over time", wide: true, emptyText: "No events in this range."))
            + panel("activity-region", "Activity over time by region", hint: "Events per \(bucket.name) by region.", wide: true,
                    timeChart(data.activityByRegion, label: "Events by region over time", wide: true, emptyText: "No events in this range."))
    }

    private func topPanels() -> String {
        panel("top-users", "Top users", hint: "Events by actor (trail.actor.name): users, roles and sessions, services.",
              topBars(data.users, label: "Top users", emptyText: "No events name an actor."))
            + panel("top-addresses", "Top source IP addresses", hint: "Events by caller address, with its country when known.",
                    topBars(data.sourceIPs, label: "Top source IP addresses", color: Palette.series[4], emptyText: "No events come from an IP address."))
    }

    private func signInPanel() -> String {
        let s = data.signIns
        guard s.successes + s.failures > 0 else {
            return panel("sign-ins", "Console sign-ins", hint: "ConsoleLogin (AWS) and ConsoleSignin (Alibaba Cloud).", wide: true, empty("No console sign-ins in this range."))
        }
        let several = s.users.filter { $0.value.addresses.count > 1 }
            .sorted { ($0.value.addresses.count, $1.key) > ($1.value.addresses.count, $0.key) }
        var body = figures([("succeeded", s.successes, Palette.good), ("failed", s.failures, Palette.bad),
                            ("succeeded without MFA", s.withoutMFA, s.withoutMFA > 0 ? Palette.denied : nil),
                            ("users from several addresses", several.count, several.isEmpty ? nil : Palette.denied)])
        body += timeChart(s.series, label: "Console sign-ins over time", fixed: [("success", Palette.good), ("failure", Palette.bad)], wide: true, emptyText: "No timed sign-ins.")
        body += "<div class=\"columns\"><div><h3>Signing in from several addresses</h3>"
        if several.isEmpty {
            body += empty("Every user signed in from one address at most.")
        } else {
            body += table(["user", "addresses", "countries", "sign-ins"], several.prefix(top).map { name, u in
                [HTML.escape(name), "<span title=\"\(HTML.escape(u.addresses.joined(separator: ", ")))\">\(u.addresses.count)\(u.moreAddresses ? "+" : "")</span>",
                 HTML.escape(u.countries.joined(separator: ", ")), HTML.number(u.successes + u.failures)]
            })
        }
        body += "</div><div><h3>Most failed sign-ins</h3>"
        let failing = s.users.filter { $0.value.failures > 0 }.sorted { ($0.value.failures, $1.key) > ($1.value.failures, $0.key) }
        if failing.isEmpty {
            body += empty("No failed sign-ins.")
        } else {
            body += table(["user", "failed", "succeeded", "without MFA"], failing.prefix(top).map { name, u in
                [HTML.escape(name), HTML.number(u.failures), HTML.number(u.successes), HTML.number(u.withoutMFA)]
            })
        }
        body += "</div></div>"
        if s.untrackedSignIns > 0 {
            body += "<p class=\"note\">\(HTML.number(s.untrackedSignIns)) sign-ins of users beyond the first \(HTML.number(data.limits.signInUsers)) are counted above but not per user.</p>"
        }
        return panel("sign-ins", "Console sign-ins", hint: "ConsoleLogin (AWS) and ConsoleSignin (Alibaba Cloud); without MFA: a successful sign-in whose header says mfa false.", wide: true, body)
    }

    private func deniedPanel() -> String {
        guard data.authorizationFailures > 0 else {
            return panel("denied", "Authorization failures", hint: "Calls denied for lack of permission.", wide: true, empty("No calls were denied for lack of permission in this range."))
        }
        var body = figures([("calls denied", data.authorizationFailures, Palette.denied)])
        body += "<div class=\"columns\"><div><h3>By actor</h3>"
        body += topBars(data.deniedActors, label: "Authorization failures by actor", color: Palette.denied, emptyText: "No actor named.")
        body += "</div><div><h3>By country</h3>"
        body += topBars(data.deniedCountries, label: "Authorization failures by country", color: Palette.denied, names: countryName, emptyText: "No country known.")
        body += "</div></div><h3>Over time</h3>"
        body += timeChart(data.deniedSeries, label: "Authorization failures over time", fixed: [("denied", Palette.denied)], wide: true, emptyText: "No timed failures.")
        return panel("denied", "Authorization failures", hint: "Errors AccessDenied, Unauthorized…, NoPermission, Forbidden… (scenario D4).", wide: true, body)
    }

    private func createdDeletedPanel() -> String {
        guard data.created.total + data.deleted.total > 0 else {
            return panel("created-deleted", "Resources created and deleted", hint: "Successful calls of category create and delete.", wide: true, empty("Nothing was created or deleted in this range."))
        }
        var body = figures([("created", data.created.total, Palette.good), ("deleted", data.deleted.total, Palette.bad)])
        body += timeChart(data.createdAndDeleted, label: "Resources created and deleted over time",
                          fixed: [("created", Palette.good), ("deleted", Palette.bad)], wide: true, emptyText: "No timed creations or deletions.")
        body += "<div class=\"columns\"><div><h3>Created, by action</h3>"
        body += topBars(data.created, label: "Created by action", color: Palette.good, emptyText: "Nothing created.")
        body += "</div><div><h3>Deleted, by action</h3>"
        body += topBars(data.deleted, label: "Deleted by action", color: Palette.bad, emptyText: "Nothing deleted.")
        body += "</div></div>"
        return panel("created-deleted", "Resources created and deleted", hint: "Successful calls of category create (Create, Run, Launch, Allocate…) and delete (Delete, Terminate, Release…).", wide: true, body)
    }

    private func changesPanel() -> String {
        let hint = "Calls that change security groups, network ACLs, IAM or RAM (reads left out), most recent first."
        guard !data.changes.isEmpty else {
            return panel("changes", "Security group, network ACL and IAM changes", hint: hint, wide: true, empty("No security group, network ACL or IAM changes in this range."))
        }
        var body = figures(ConfigurationChange.Kind.allCases.map { ($0.rawValue, data.changeCounts[$0] ?? 0, nil) })
        body += table(["time", "kind", "actor", "action", "target", "account · region", "outcome"], data.changes.map { c in
            [HTML.time(c.time), HTML.escape(c.kind.rawValue), HTML.escape(c.actor ?? "–"), "<code>\(HTML.escape(c.action))</code>",
             HTML.escape(c.target ?? "–"), HTML.escape("\(c.account ?? "–") · \(c.region ?? "–")"),
             c.outcome == "failure" ? "<span class=\"bad\">failure</span>" : HTML.escape(c.outcome ?? "–")]
        }, scroll: true)
        let total = data.changeCounts.values.reduce(0, +)
        if total > data.changes.count {
            body += "<p class=\"note\">The most recent \(HTML.number(data.changes.count)) of \(HTML.number(total)) changes.</p>"
        }
        return panel("changes", "Security group, network ACL and IAM changes", hint: hint, wide: true, body)
    }

    private func countriesPanel() -> String {
        let hint = "Events by the caller's country (trail-enrich --geo)."
        var notes: [String] = []
        if data.addressesWithoutCountry > 0 { notes.append("\(HTML.number(data.addressesWithoutCountry)) events from addresses without a country (private, unknown, or not enriched)") }
        if data.serviceCalls > 0 { notes.append("\(HTML.number(data.serviceCalls)) events made by services") }
        let footnote = notes.isEmpty ? "" : "<p class=\"note\">\(notes.joined(separator: "; ")).</p>"
        let entries = data.countries.top(max(top, 25))
        guard !entries.isEmpty else {
            return panel("countries", "Callers by country", hint: hint, empty("No caller has a country: enrich the events with trail-enrich --geo.") + footnote)
        }
        let maxCount = entries.first?.count ?? 1
        let total = data.countries.total
        let rows = entries.map { e in
            ["<b>\(HTML.escape(e.value))</b> \(HTML.escape(data.countryNames[e.value] ?? ""))", HTML.number(e.count),
             "<span class=\"share\"><i style=\"width:\(max(1, e.count * 100 / maxCount))%\"></i></span> \(e.count * 100 / max(total, 1))%"]
        }
        var body = table(["country", "events", "share"], rows)
        if data.countries.distinctCount > entries.count {
            body += "<p class=\"note\">\(HTML.number(entries.count)) of \(distinct(data.countries)) countries shown.</p>"
        }
        return panel("countries", "Callers by country", hint: hint, body + footnote)
    }

    private func actionsPanel() -> String {
        panel("top-actions", "Top actions", hint: "Events by API action (trail.action), what was done most.",
              topBars(data.actions, label: "Top actions", color: Palette.series[6], emptyText: "No events in this range."))
    }

    private func alertsPanel() -> String {
        let a = data.alerts
        guard a.total > 0 else {
            return panel("alerts", "Alerts", hint: "Alerts of trail-match, by rule and level.", wide: true, empty("No alerts in this range."))
        }
        let levels = Palette.levels + otherLevels()
        var body = "<div class=\"columns\"><div><h3>By level</h3>"
        body += Chart.bars(levels.compactMap { level in a.byLevel[level].map { Chart.Row(label: level, value: $0, color: Palette.level(level)) } }, label: "Alerts by level")
        body += "</div><div><h3>Over time</h3>"
        body += timeChart(a.series, label: "Alerts over time by level", fixed: levels.map { ($0, Palette.level($0)) }, wide: false, emptyText: "No timed alerts.")
        body += "</div></div><h3>By rule</h3>"
        let rank = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        let rules = a.rules.values.sorted { (rank[$0.level] ?? 99, -$0.count, $0.title) < (rank[$1.level] ?? 99, -$1.count, $1.title) }
        body += "<div class=\"rules\">"
        for rule in rules {
            let open = rule.level == "critical" || rule.level == "high"
            body += "<details\(open ? " open" : "")><summary><span class=\"chip\" style=\"background:\(Palette.level(rule.level))\">\(HTML.escape(rule.level))</span> "
            body += "<b>\(HTML.escape(rule.title))</b> <span class=\"count\">\(HTML.number(rule.count))</span>"
            body += " <span class=\"when\">\(HTML.time(rule.first)) – \(HTML.time(rule.last))</span></summary>"
            body += table(["time", "actor", "action", "source", "account · region", "outcome"], rule.examples.map { ex in
                let e = ex.event
                let action = (e?.action).map { "<code>\(HTML.escape($0))</code>" } ?? "–"
                return [HTML.time(ex.time), HTML.escape(e?.actorName ?? "–"),
                        action + (ex.correlationCount.map { " <span class=\"note\">(correlation of \($0))</span>" } ?? ""),
                        HTML.escape([e?.sourceIP ?? e?.sourceService, e?.country].compactMap { $0 }.joined(separator: " · ")),
                        HTML.escape("\(e?.account ?? "–") · \(e?.region ?? "–")"),
                        e?.outcome == "failure" ? "<span class=\"bad\">failure</span>" : HTML.escape(e?.outcome ?? "–")]
            })
            if rule.count > rule.examples.count {
                body += "<p class=\"note\">The earliest \(rule.examples.count) of \(HTML.number(rule.count)) alerts.</p>"
            }
            body += "</details>"
        }
        body += "</div>"
        if a.untrackedAlerts > 0 {
            body += "<p class=\"note\">\(HTML.number(a.untrackedAlerts)) alerts of rules beyond the first \(HTML.number(data.limits.alertRules)) are counted by level only.</p>"
        }
        return panel("alerts", "Alerts", hint: "Alerts of trail-match by level and by rule, with the events behind each (high and critical opened).", wide: true, body)
    }

    private func integrityPanel() -> String {
        let hint = "Findings of trail-fetch --verify: digests, log files and chains that are not valid."
        let i = data.integrity
        guard i.total > 0 else {
            return panel("integrity", "Log file integrity", hint: hint, wide: true, empty("No integrity findings in the input (trail-fetch --verify writes them)."))
        }
        var body = figures(i.byStatus.sorted { ($0.key == "valid" ? 0 : 1, $0.key) < ($1.key == "valid" ? 0 : 1, $1.key) }.map {
            ($0.key, $0.value, $0.key == "valid" ? Palette.good : Palette.bad)
        })
        if i.problems.isEmpty {
            body += empty("Every finding is valid.")
        } else {
            body += table(["time", "status", "type", "account · region", "object", "reason"], i.problems.map { f in
                let name = f.object.isEmpty ? "–" : String(f.object.split(separator: "/").last ?? Substring(f.object))
                return [HTML.time(f.timestamp), "<span class=\"bad\">\(HTML.escape(f.status.rawValue))</span>", HTML.escape(f.type.rawValue),
                        HTML.escape("\(f.account ?? "–") · \(f.region ?? "–")"),
                        "<span title=\"\(HTML.escape(f.object))\">\(HTML.escape(name))</span>", HTML.escape(f.reason.isEmpty ? "–" : f.reason)]
            }, scroll: true)
            if i.problemCount > i.problems.count {
                body += "<p class=\"note\">The first \(HTML.number(i.problems.count)) of \(HTML.number(i.problemCount)) problems.</p>"
            }
        }
        return panel("integrity", "Log file integrity", hint: hint, wide: true, body)
    }

    private func table(_ headings: [String], _ rows: [[String]], scroll: Bool = false) -> String {
        var html = scroll ? "<div class=\"scroll\">" : ""
        html += "<table><thead><tr>" + headings.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        html += "</tbody></table>"
        return html + (scroll ? "</div>" : "")
    }

    private func countryName(_ code: String) -> String {
        data.countryNames[code].map { "\(code) \($0)" } ?? code
    }

    // MARK: Assets

    static let style = """
        :root{--ink:#1f2933;--mute:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff}
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
        header{padding:18px 28px 6px}h1{margin:0;font-size:22px}.sub{margin:2px 0 0;color:var(--mute)}
        .summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;padding:12px 28px}
        .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
        .card.alarm{border-color:#e15759;box-shadow:inset 4px 0 0 #e15759}
        .card .name{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
        .card .value{font-size:22px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        .card .note{color:var(--mute);font-size:12px}
        main{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px;padding:8px 28px 20px}
        .panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:0}
        .panel.wide{grid-column:1/-1}h2{margin:0;font-size:16px}h3{margin:12px 0 4px;font-size:13px;color:var(--mute)}
        .hint{margin:2px 0 8px;color:var(--mute);font-size:12px}.empty{color:var(--mute);font-style:italic;margin:12px 0}
        .note{color:var(--mute);font-size:12px}svg.chart{width:100%;height:auto;display:block}
        svg text{font-size:11px;fill:var(--mute)}svg text.label{fill:var(--ink);font-size:12px}svg text.count{fill:var(--ink)}
        .grid{stroke:var(--line)}.baseline,.tick{stroke:#9aa5b1}
        .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0 0 52px}
        .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
        .columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px}
        .figures{display:flex;flex-wrap:wrap;gap:8px 28px;margin:4px 0 8px}.figure .value{font-size:20px;font-weight:600;margin-right:6px}
        .figure .name{color:var(--mute)}table{border-collapse:collapse;width:100%;font-size:12.5px}
        th{text-align:left;color:var(--mute);font-weight:600;border-bottom:1px solid var(--line);padding:4px 8px}
        td{border-bottom:1px solid var(--line);padding:3px 8px;vertical-align:top;overflow-wrap:anywhere}
        .scroll{max-height:420px;overflow:auto}code{font-size:12px}.bad{color:#c0392b;font-weight:600}
        .chip{display:inline-block;color:#fff;border-radius:10px;padding:0 8px;font-size:11.5px;font-weight:600;margin:1px 0}
        .share{display:inline-block;width:120px;height:9px;background:var(--line);border-radius:2px;vertical-align:middle}
        .share i{display:block;height:100%;background:#4e79a7;border-radius:2px}
        details{border-bottom:1px solid var(--line);padding:4px 0}summary{cursor:pointer}summary .count{font-weight:600;margin-left:6px}
        summary .when{color:var(--mute);font-size:12px;margin-left:8px}details table{margin:4px 0 6px 18px;width:calc(100% - 18px)}
        footer{color:var(--mute);font-size:12px;padding:0 28px 24px}
        """

    /// The page checks itself once drawn: every chart has visible marks, every panel shows data
    /// or says in words that there is none, no script failed. The verdict goes into
    /// `#render-check` and `html[data-render]`, for a headless browser to read back.
    static let selfCheck = """
        (function(){var problems=[];
        window.onerror=function(m,s,l){problems.push('script error: '+m+' (line '+l+')');report();};
        function report(){var out=document.getElementById('render-check');
        out.textContent=problems.length?problems.join('\\n'):'ok '+window.__charts+' charts, '+window.__marks+' marks';
        document.documentElement.setAttribute('data-render',problems.length?'problems':'ok');}
        window.addEventListener('load',function(){var charts=document.querySelectorAll('svg.chart'),marks=0;
        charts.forEach(function(svg){var drawn=0;svg.querySelectorAll('.mark').forEach(function(m){var b=m.getBBox();if(b.width>0&&b.height>0)drawn++;});
        if(!drawn)problems.push('chart "'+svg.getAttribute('aria-label')+'" drew nothing');
        if(svg.getBoundingClientRect().width<100)problems.push('chart "'+svg.getAttribute('aria-label')+'" is too small to read');marks+=drawn;});
        document.querySelectorAll('section.panel').forEach(function(p){
        if(!p.querySelector('svg.chart, tbody tr, .empty'))problems.push('panel '+p.id+' shows neither data nor words');});
        window.__charts=charts.length;window.__marks=marks;report();});})();
        """
}
