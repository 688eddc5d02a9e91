import Testing
import TrailCore
@testable import TrailReport

@Suite struct TimeSeriesTests {
    let start = Timestamp(iso8601: "2026-11-16T00:00:00Z")!

    @Test func countsPerHourAndRegroupedByDay() {
        var series = TimeSeries()
        for hour in 0..<72 {
            series.add("ec2", at: Timestamp(seconds: start.seconds + Int64(hour) * 3600 + 59), count: hour)
            series.add("iam", at: Timestamp(seconds: start.seconds + Int64(hour) * 3600 + 1800))
        }
        let end = Timestamp(seconds: start.seconds + 72 * 3600 - 1)
        let hourly = series.binned(by: .hour, from: start, to: end)
        #expect(hourly.width == .hour && hourly.starts.count == 72)
        #expect(hourly.series.first { $0.key == "ec2" }?.counts == Array(0..<72))
        let daily = series.binned(by: .day, from: start, to: end)
        #expect(daily.starts.map(\.rfc3339) == ["2026-11-16T00:00:00Z", "2026-11-17T00:00:00Z", "2026-11-18T00:00:00Z"])
        #expect(daily.series.first { $0.key == "ec2" }?.counts == [276, 852, 1428])
        #expect(daily.series.first { $0.key == "iam" }?.counts == [24, 24, 24])
    }

    @Test func bucketsAndKeysStayBounded() {
        var series = TimeSeries(maxKeys: 3)
        // A year of hours is more than the buckets allowed: it becomes days, totals intact.
        for hour in 0..<(366 * 24) {
            series.add("key-\(hour % 5)", at: Timestamp(seconds: start.seconds + Int64(hour) * 3600))
        }
        #expect(series.width == .day)
        #expect(series.keys == ["key-0", "key-1", "key-2", TimeSeries.otherKey])
        let binned = series.binned(by: .hour, from: start, to: Timestamp(seconds: start.seconds + 366 * 86_400 - 1))
        #expect(binned.width == .day && binned.starts.count == 366)
        #expect(binned.total == 366 * 24)
        #expect(binned.series.first { $0.key == TimeSeries.otherKey }?.total == 1757 + 1756, "key-3 and key-4")
        // A stray event decades away costs a bucket, and the series stays within its limit.
        series.add("key-0", at: Timestamp(seconds: 0))
        #expect(series.width <= .week)
    }

    @Test func largestKeepsTheBiggestSeriesAndSumsTheRest() {
        var series = TimeSeries()
        for (k, n) in [("a", 9), ("b", 7), ("c", 3), ("d", 2), ("e", 1)] {
            series.add(k, at: start, count: n)
        }
        let largest = series.binned(by: .hour, from: start, to: start).largest(3)
        #expect(largest.map(\.key) == ["a", "b", TimeSeries.otherKey])
        #expect(largest.map(\.total) == [9, 7, 6])
    }
}

@Suite struct ChartScaleTests {
    @Test func theScaleIsRoundAndSplitsIntoWholeQuarters() {
        #expect([0, 3, 7, 13, 21, 150, 1010, 99_999].map(Chart.niceCeiling) == [4, 4, 8, 16, 24, 160, 1200, 100_000])
        for value in 1...5000 {
            let top = Chart.niceCeiling(value)
            #expect(top >= value && top % 4 == 0 && top <= max(4, value * 2))
        }
    }
}
