import TrailCore

/// The sizes that bound the report's memory, whatever the input's size.
public struct ReportLimits: Sendable {
    /// Counters per top list (Space-Saving): exact below this many distinct values.
    public var topCounters = 10_000
    /// Series per time chart (services, regions); later ones are counted as "(other)".
    public var seriesKeys = 40
    /// Users whose console sign-ins are followed one by one (addresses, countries).
    public var signInUsers = 10_000
    /// Addresses and countries remembered per user.
    public var addressesPerUser = 16
    /// Rows of the change table (the most recent are kept).
    public var changeRows = 300
    /// Rules followed one by one; later rules are counted together.
    public var alertRules = 1_000
    /// Events listed under each rule (the earliest are kept).
    public var eventsPerRule = 5
    /// Integrity findings listed (the first are kept; all are counted).
    public var integrityRows = 200

    public init() {}
}

/// Console sign-ins of one user.
public struct SignInUser: Sendable {
    public var successes = 0
    public var failures = 0
    public var withoutMFA = 0
    /// Distinct addresses of successful sign-ins, at most `ReportLimits.addressesPerUser`.
    public var addresses: [String] = []
    public var countries: [String] = []
    /// More addresses than could be remembered.
    public var moreAddresses = false
}

public struct SignIns: Sendable {
    public var successes = 0
    public var failures = 0
    public var withoutMFA = 0
    public var users: [String: SignInUser] = [:]
    /// Sign-ins of users beyond `ReportLimits.signInUsers`: counted above, not per user.
    public var untrackedSignIns = 0
    public var series = TimeSeries(maxKeys: 2)
}

/// One alert's event, as listed under its rule.
public struct AlertExample: Sendable {
    public let time: Timestamp?
    public let event: TrailHeader?
    public let correlationCount: Int?
}

public struct RuleAlerts: Sendable {
    public let title: String
    public let level: String
    public var count = 0
    public var first: Timestamp?
    public var last: Timestamp?
    /// The earliest alerts, at most `ReportLimits.eventsPerRule`.
    public var examples: [AlertExample] = []
}

public struct AlertSummary: Sendable {
    public var total = 0
    public var byLevel: [String: Int] = [:]
    public var rules: [String: RuleAlerts] = [:]
    /// Alerts of rules beyond `ReportLimits.alertRules`: counted by level, not by rule.
    public var untrackedAlerts = 0
    public var series = TimeSeries(maxKeys: 8)
}

public struct IntegritySummary: Sendable {
    public var total = 0
    public var byStatus: [String: Int] = [:]
    /// Findings that are not `valid`, in input order, at most `ReportLimits.integrityRows`.
    public var problems: [IntegrityFinding] = []
    public var problemCount = 0
}

/// Everything the page shows, aggregated in one pass over the input in bounded memory.
public struct ReportData: Sendable {
    public let limits: ReportLimits
    public let range: (from: Timestamp?, to: Timestamp?)

    public var events = 0
    /// Events without a usable time: counted, but on no time chart.
    public var eventsWithoutTime = 0
    /// Records outside `--from`/`--to`, left out of everything else.
    public var outsideRange = 0
    public var first: Timestamp?
    public var last: Timestamp?

    public var accounts: TopCounter
    public var regions: TopCounter
    public var services: TopCounter
    public var actions: TopCounter
    public var users: TopCounter
    public var sourceIPs: TopCounter
    /// Events by the caller's country code (trail-enrich `--geo`).
    public var countries: TopCounter
    public var countryNames: [String: String] = [:]
    /// Events with a source address but no country (private, not enriched, not found).
    public var addressesWithoutCountry = 0
    /// Events made by a service rather than from an address.
    public var serviceCalls = 0

    public var activityByService: TimeSeries
    public var activityByRegion: TimeSeries

    public var signIns = SignIns()

    public var authorizationFailures = 0
    public var deniedActors: TopCounter
    public var deniedCountries: TopCounter
    public var deniedSeries = TimeSeries(maxKeys: 1)

    public var created: TopCounter
    public var deleted: TopCounter
    public var createdAndDeleted = TimeSeries(maxKeys: 2)

    public var changeCounts: [ConfigurationChange.Kind: Int] = [:]
    /// The most recent changes, at most `ReportLimits.changeRows` once `finish()` has run.
    public private(set) var changes: [ConfigurationChange] = []

    public var alerts = AlertSummary()
    public var integrity = IntegritySummary()

    public init(limits: ReportLimits = ReportLimits(), from: Timestamp? = nil, to: Timestamp? = nil) {
        self.limits = limits
        range = (from, to)
        let top = limits.topCounters
        accounts = TopCounter(capacity: top)
        regions = TopCounter(capacity: top)
        services = TopCounter(capacity: top)
        actions = TopCounter(capacity: top)
        users = TopCounter(capacity: top)
        sourceIPs = TopCounter(capacity: top)
        countries = TopCounter(capacity: top)
        deniedActors = TopCounter(capacity: top)
        deniedCountries = TopCounter(capacity: top)
        created = TopCounter(capacity: top)
        deleted = TopCounter(capacity: top)
        activityByService = TimeSeries(maxKeys: limits.seriesKeys)
        activityByRegion = TimeSeries(maxKeys: limits.seriesKeys)
    }

    /// False for a record outside `--from`/`--to` (which is counted); a record without a time
    /// is kept unless a range was asked for.
    mutating func admits(_ time: Timestamp?) -> Bool {
        guard range.from != nil || range.to != nil else { return true }
        guard let time, range.from.map({ time >= $0 }) ?? true, range.to.map({ time < $0 }) ?? true else {
            outsideRange += 1
            return false
        }
        return true
    }

    mutating func add(event e: TrailHeader, scanner: JSONScanner, root: Int) {
        let time = e.timestamp
        guard admits(time) else { return }
        events += 1
        noteTime(time)
        let account = e.account ?? "(none)", region = e.region ?? "(none)", service = e.service ?? "(none)"
        accounts.add(account)
        regions.add(region)
        services.add(service)
        actions.add(e.action ?? "(none)")
        if let actor = e.actorName { users.add(actor) }
        if let ip = e.sourceIP {
            // The country goes with the address, so the top list can show it without a map per address.
            sourceIPs.add(e.country.map { "\(ip) · \($0)" } ?? ip)
            if let country = e.country {
                countries.add(country)
                if let name = e.countryName, countryNames.count < limits.topCounters { countryNames[country] = name }
            } else {
                addressesWithoutCountry += 1
            }
        } else if e.sourceService != nil {
            serviceCalls += 1
        }
        if let time {
            activityByService.add(service, at: time)
            activityByRegion.add(region, at: time)
        } else {
            eventsWithoutTime += 1
        }
        if e.isConsoleSignIn { addSignIn(e, at: time) }
        if e.isAuthorizationFailure {
            authorizationFailures += 1
            deniedActors.add(e.actorName ?? "(unknown)")
            deniedCountries.add(e.country ?? "(no country)")
            if let time { deniedSeries.add("denied", at: time) }
        }
        if e.outcome != "failure", let action = e.action {
            switch e.category {
            case "create":
                created.add(action)
                if let time { createdAndDeleted.add("created", at: time) }
            case "delete":
                deleted.add(action)
                if let time { createdAndDeleted.add("deleted", at: time) }
            default: break
            }
        }
        if let kind = e.configurationChange, let action = e.action {
            changeCounts[kind, default: 0] += 1
            changes.append(ConfigurationChange(
                time: time, kind: kind, actor: e.actorName, action: action,
                target: ConfigurationChange.target(scanner: scanner, root: root),
                outcome: e.outcome, account: e.account, region: e.region))
            if changes.count >= 2 * limits.changeRows { keepRecentChanges() }
        }
    }

    private mutating func addSignIn(_ e: TrailHeader, at time: Timestamp?) {
        let success = e.outcome != "failure"
        let noMFA = success && e.mfa == false
        if success { signIns.successes += 1 } else { signIns.failures += 1 }
        if noMFA { signIns.withoutMFA += 1 }
        if let time { signIns.series.add(success ? "success" : "failure", at: time) }
        let name = e.actorName ?? "(unknown)"
        guard signIns.users[name] != nil || signIns.users.count < limits.signInUsers else {
            signIns.untrackedSignIns += 1
            return
        }
        var user = signIns.users[name] ?? SignInUser()
        if success { user.successes += 1 } else { user.failures += 1 }
        if noMFA { user.withoutMFA += 1 }
        if success, let ip = e.sourceIP, !user.addresses.contains(ip) {
            if user.addresses.count < limits.addressesPerUser { user.addresses.append(ip) } else { user.moreAddresses = true }
        }
        if success, let country = e.country, !user.countries.contains(country), user.countries.count < limits.addressesPerUser {
            user.countries.append(country)
        }
        signIns.users[name] = user
    }

    /// `a` has a rule id or title.
    mutating func add(alert a: AlertView) {
        let time = a.timestamp, level = (a.level ?? "unknown").lowercased(), ruleID = a.ruleID ?? a.title ?? ""
        guard admits(time) else { return }
        alerts.total += 1
        alerts.byLevel[level, default: 0] += 1
        noteTime(time)
        if let time { alerts.series.add(level, at: time) }
        guard alerts.rules[ruleID] != nil || alerts.rules.count < limits.alertRules else {
            alerts.untrackedAlerts += 1
            return
        }
        var rule = alerts.rules[ruleID] ?? RuleAlerts(title: a.title ?? ruleID, level: level)
        rule.count += 1
        if let time {
            rule.first = min(rule.first ?? time, time)
            rule.last = max(rule.last ?? time, time)
        }
        let example = AlertExample(time: time, event: a.event, correlationCount: a.correlationCount)
        // Keep the earliest few; untimed ones sort last.
        let at = rule.examples.firstIndex { ($0.time ?? .distantFuture) > (time ?? .distantFuture) } ?? rule.examples.count
        if at < limits.eventsPerRule {
            rule.examples.insert(example, at: at)
            if rule.examples.count > limits.eventsPerRule { rule.examples.removeLast() }
        }
        alerts.rules[ruleID] = rule
    }

    mutating func add(integrity f: IntegrityFinding) {
        guard admits(f.timestamp) else { return }
        integrity.total += 1
        integrity.byStatus[f.status.rawValue, default: 0] += 1
        guard f.status != .valid else { return }
        integrity.problemCount += 1
        if integrity.problems.count < limits.integrityRows { integrity.problems.append(f) }
    }

    /// Done reading: the change table is cut to its most recent rows.
    mutating func finish() {
        keepRecentChanges()
    }

    /// The range the page shows: `--from`/`--to` when given, else the times seen.
    public var shownRange: (from: Timestamp, to: Timestamp)? {
        let from = range.from ?? first, to = range.to.map { Timestamp(seconds: $0.seconds - 1) } ?? last
        guard let from, let to else { return nil }
        return (from, max(from, to))
    }

    private mutating func noteTime(_ time: Timestamp?) {
        guard let time else { return }
        first = min(first ?? time, time)
        last = max(last ?? time, time)
    }

    private mutating func keepRecentChanges() {
        changes.sort { ($0.time ?? .distantPast) > ($1.time ?? .distantPast) }
        if changes.count > limits.changeRows { changes.removeLast(changes.count - limits.changeRows) }
    }
}

extension Timestamp {
    static let distantFuture = Timestamp(seconds: .max)
    static let distantPast = Timestamp(seconds: .min)
}
