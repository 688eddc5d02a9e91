/// One event slot of a corpus, small enough to hold a million in memory and sort: when it
/// happens, which delivery stream (account × region) it belongs to, and how to render it.
/// Rendering is a pure function of the slot and its seed, so files can be written in any
/// order and still come out identical.
struct PlannedEvent {
    enum Source: UInt8 {
        /// A catalog action of a background session (`action` indexes the catalog).
        case action
        /// The session's opening event (a console sign-in or a credential issuance).
        case opening
        /// A prepared scenario event (`ref` indexes the injected events).
        case injected
    }

    enum Outcome: UInt8 {
        /// `failure` is the action's own failure mode; `throttled` can happen to any call.
        case success, failure, throttled, denied
    }

    var time: Int64
    var seed: UInt64
    var stream: Int32
    /// Session index (background) or injected-event index.
    var ref: Int32
    var action: Int16
    var source: Source
    var outcome: Outcome

    /// Stream first, then time: the order files are cut in.
    static func byStreamThenTime(_ a: PlannedEvent, _ b: PlannedEvent) -> Bool {
        if a.stream != b.stream { return a.stream < b.stream }
        if a.time != b.time { return a.time < b.time }
        return a.seed < b.seed
    }
}

/// The days of the corpus and how to place events in them.
struct TimeFrame {
    let start: UTCTime
    let days: Int

    var end: UTCTime { start + Int64(days) * 86_400 }

    func dayStart(_ day: Int) -> UTCTime { start + Int64(day) * 86_400 }

    /// Days whose Tokyo date is a workday.
    var workdays: [Int] { (0..<days).filter { Company.isWorkday(dayStart($0)) } }

    /// A uniformly random time, leaving `tail` seconds before the end for what follows it.
    func anyTime(_ rng: inout SynthRandom, tail: Int64 = 0) -> UTCTime {
        start + rng.int64(in: 0...max(0, Int64(days) * 86_400 - 1 - tail))
    }

    /// When a background session starts: for people, in Tokyo business hours on one of
    /// `workdays` (which must not be empty then); for machines, at any time.
    func sessionStart(human: Bool, workdays: [Int], rng: inout SynthRandom) -> UTCTime {
        human ? Company.businessTime(dayStart: dayStart(rng.pick(workdays)), rng: &rng, margin: 1800)! : anyTime(&rng, tail: 900)
    }

    /// The day of occurrence `index` of `count`, spread evenly over the corpus.
    func spreadDay(_ index: Int, of count: Int) -> Int {
        min(days - 1, (2 * index + 1) * days / (2 * count))
    }
}
