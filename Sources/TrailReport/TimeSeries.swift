import TrailCore

/// The widths time is grouped by. Each is a multiple of the one before, and all are aligned on
/// Monday 1970-01-05 00:00 UTC, so a coarser bucket is always a union of finer ones.
public enum BucketWidth: Int64, CaseIterable, Comparable, Sendable {
    case hour = 3600
    case day = 86_400
    case week = 604_800
    case fourWeeks = 2_419_200
    case year = 31_449_600  // 52 weeks

    public static func < (a: BucketWidth, b: BucketWidth) -> Bool { a.rawValue < b.rawValue }

    static let origin: Int64 = 345_600  // 1970-01-05T00:00:00Z, a Monday

    /// The bucket holding `seconds`, as an index counted from the origin.
    func index(of seconds: Int64) -> Int64 {
        let offset = seconds - BucketWidth.origin
        return offset >= 0 ? offset / rawValue : -((-offset + rawValue - 1) / rawValue)
    }

    func start(ofIndex index: Int64) -> Int64 { BucketWidth.origin + index * rawValue }

    var coarser: BucketWidth? {
        let all = BucketWidth.allCases
        let next = all.firstIndex(of: self)! + 1
        return next < all.count ? all[next] : nil
    }

    /// By width, finest first (the order of `allCases`).
    public var name: String { ["hour", "day", "week", "4 weeks", "52 weeks"][BucketWidth.allCases.firstIndex(of: self)!] }
}

/// Counts per key per time bucket, in bounded memory: at most `maxKeys` keys (later keys are
/// counted under `TimeSeries.otherKey`) and at most `maxBuckets` buckets holding counts (past
/// that, every bucket is merged into the next coarser width). So a month of hours (744) stays
/// hourly, and a stray event years away costs one bucket, not thousands.
public struct TimeSeries: Sendable {
    public static let otherKey = "(other)"
    public static let maxBuckets = 2000

    public let maxKeys: Int
    public private(set) var keys: [String] = []
    public private(set) var width: BucketWidth = .hour
    private var keyIndex: [String: Int] = [:]
    private var buckets: [Int64: [Int]] = [:]

    public init(maxKeys: Int = 40) {
        self.maxKeys = maxKeys
    }

    public var isEmpty: Bool { buckets.isEmpty }

    public mutating func add(_ key: String, at time: Timestamp, count: Int = 1) {
        let k = slot(for: key)
        let index = width.index(of: time.seconds)
        // In place: the bucket's array is not copied out of the dictionary and back.
        let size = buckets[index]?.count ?? 0
        if size <= k { buckets[index, default: []].append(contentsOf: repeatElement(0, count: k + 1 - size)) }
        buckets[index, default: []][k] += count
        while buckets.count > TimeSeries.maxBuckets, let coarser = width.coarser { regroup(coarser) }
    }

    /// The counts grouped by `width` (at least the width stored) over the buckets from the one
    /// holding `from` to the one holding `to`: bucket starts, and each key's counts with its total.
    public func binned(by requested: BucketWidth, from: Timestamp, to: Timestamp) -> BinnedSeries {
        let display = max(requested, width)
        let first = display.index(of: from.seconds), last = display.index(of: max(from, to).seconds)
        let n = Int(last - first + 1)
        var series = keys.map { _ in [Int](repeating: 0, count: n) }
        for (index, counts) in buckets {
            let at = display.index(of: width.start(ofIndex: index)) - first
            guard at >= 0, at < n else { continue }
            for (k, c) in counts.enumerated() { series[k][Int(at)] += c }
        }
        let starts = (0..<n).map { Timestamp(seconds: display.start(ofIndex: first + Int64($0))) }
        return BinnedSeries(width: display, starts: starts,
                            series: zip(keys, series).map { BinnedSeries.Series(key: $0, counts: $1) })
    }

    private mutating func slot(for key: String) -> Int {
        if let k = keyIndex[key] { return k }
        let name = keys.count < maxKeys ? key : TimeSeries.otherKey
        if let k = keyIndex[name] { return k }
        keys.append(name)
        keyIndex[name] = keys.count - 1
        return keys.count - 1
    }

    private mutating func regroup(_ coarser: BucketWidth) {
        var merged: [Int64: [Int]] = [:]
        for (index, counts) in buckets {
            let target = coarser.index(of: width.start(ofIndex: index))
            var sum = merged[target] ?? []
            if sum.count < counts.count { sum.append(contentsOf: repeatElement(0, count: counts.count - sum.count)) }
            for (k, c) in counts.enumerated() { sum[k] += c }
            merged[target] = sum
        }
        buckets = merged
        width = coarser
    }
}

/// A time series laid out on consecutive buckets, ready to draw.
public struct BinnedSeries: Sendable {
    public struct Series: Sendable {
        public let key: String
        public let counts: [Int]
        public var total: Int { counts.reduce(0, +) }
    }

    public let width: BucketWidth
    public let starts: [Timestamp]
    public let series: [Series]

    public var total: Int { series.reduce(0) { $0 + $1.total } }

    /// The `limit` largest series, the rest summed into one `TimeSeries.otherKey` series.
    public func largest(_ limit: Int) -> [Series] {
        let ranked = series.filter { $0.total > 0 }.sorted {
            ($0.key == TimeSeries.otherKey ? 1 : 0, -$0.total, $0.key) < ($1.key == TimeSeries.otherKey ? 1 : 0, -$1.total, $1.key)
        }
        guard ranked.count > limit else { return ranked }
        var other = [Int](repeating: 0, count: starts.count)
        for s in ranked[(limit - 1)...] { for (i, c) in s.counts.enumerated() { other[i] += c } }
        return Array(ranked[..<(limit - 1)]) + [Series(key: TimeSeries.otherKey, counts: other)]
    }
}
