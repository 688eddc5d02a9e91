import TrailCore

/// `--tune 'RULE:timespan=15m,gte=20'`: a correlation's window and threshold set at run time,
/// so that a site can fit brute-force (D1), denial-burst (D4) or sign-in-location (D11)
/// correlations to its own traffic without editing the rule files. RULE is the correlation's
/// `name` or `id`.
public struct CorrelationTuning: Sendable, Equatable {
    public let rule: String
    /// Nanoseconds.
    public var timespan: Int64?
    /// The smallest count that raises the alert (`gte=N`, or `gt=N` as N+1).
    public var minimum: Int?

    /// Parses one `--tune` value; the error says what was wrong with it.
    public init(_ text: String) throws(TuningError) {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex else {
            throw TuningError("--tune '\(text)': expected RULE:SETTING=VALUE[,SETTING=VALUE], e.g. console_signin_brute_force:timespan=15m,gte=10")
        }
        rule = String(text[..<colon])
        let settings = text[text.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false)
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw TuningError("--tune '\(text)': '\(setting)' is not SETTING=VALUE (settings: timespan, gte, gt)")
            }
            let value = String(parts[1])
            switch parts[0] {
            case "timespan":
                guard let span = TimeSpan.nanoseconds(value), span > 0 else {
                    throw TuningError("--tune '\(text)': timespan '\(value)' is not \(TimeSpan.form)")
                }
                timespan = span
            case "gte", "gt":
                guard let n = Int(value), n >= (parts[0] == "gte" ? 1 : 0), n < Int.max else {
                    throw TuningError("--tune '\(text)': \(parts[0]) needs a whole number\(parts[0] == "gte" ? " of 1 or more" : "")")
                }
                minimum = parts[0] == "gte" ? n : n + 1
            default:
                throw TuningError("--tune '\(text)': unknown setting '\(parts[0])' (settings: timespan, gte, gt)")
            }
        }
    }
}

public struct TuningError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension RuleSet {
    /// Applies each tuning to the correlation it names; an unknown name, or a threshold on a
    /// correlation that counts none (temporal, first_seen), is an error.
    public mutating func apply(_ tunings: [CorrelationTuning]) throws(TuningError) {
        for tuning in tunings {
            guard let k = correlations.firstIndex(where: { $0.id == tuning.rule || $0.name == tuning.rule }) else {
                let known = correlations.map { $0.name ?? $0.id }.sorted().joined(separator: ", ")
                throw TuningError("--tune: no correlation is named '\(tuning.rule)' (loaded: \(known.isEmpty ? "none" : known))")
            }
            if let minimum = tuning.minimum {
                let kind = correlations[k].kind
                guard kind == .eventCount || kind == .valueCount || kind.isNumeric else {
                    throw TuningError("--tune: '\(tuning.rule)' is a \(kind.rawValue) correlation, which has no count to set; only timespan applies")
                }
                correlations[k].threshold.lower = Double(minimum)
                correlations[k].threshold.lowerStrict = false
            }
            if let timespan = tuning.timespan { correlations[k].timespan = timespan }
        }
    }
}
