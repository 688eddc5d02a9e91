import Testing
@testable import TrailReport

@Suite struct TopCounterTests {
    @Test func exactWhileTheValuesFitItsCounters() {
        var counter = TopCounter(capacity: 50)
        var expected: [String: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = "user-\(Int.random(in: 0..<50, using: &rng))"
            counter.add(value)
            expected[value, default: 0] += 1
        }
        #expect(!counter.isApproximate)
        #expect(counter.total == 5_000)
        #expect(counter.distinctCount == expected.count)
        let all = counter.top(100)
        #expect(Dictionary(uniqueKeysWithValues: all.map { ($0.value, $0.count) }) == expected)
        #expect(all.allSatisfy { $0.error == 0 })
        // Largest first, ties by value.
        #expect(all.map(\.count) == all.map(\.count).sorted(by: >))
        #expect(counter.top(3).count == 3)
    }

    @Test func boundedAndStillFindsTheHeavyHittersBeyondCapacity() {
        let capacity = 100
        var counter = TopCounter(capacity: capacity)
        var truth: [String: Int] = [:]
        // Ten heavy values among 20,000 values seen once or twice, interleaved.
        var n = 0
        for round in 0..<20_000 {
            let rare = "address-\(round)"
            counter.add(rare, count: round % 2 + 1)
            truth[rare, default: 0] += round % 2 + 1
            n += round % 2 + 1
            if round % 10 == 0 {
                let heavy = "heavy-\(round / 10 % 10)"
                counter.add(heavy, count: 5)
                truth[heavy, default: 0] += 5
                n += 5
            }
        }
        #expect(counter.isApproximate)
        #expect(counter.distinctCount == capacity, "never more counters than its capacity")
        #expect(counter.total == n)
        let top = counter.top(10)
        #expect(Set(top.map(\.value)) == Set((0..<10).map { "heavy-\($0)" }), "\(top)")
        for entry in counter.top(capacity) {
            let real = truth[entry.value] ?? 0
            // Space-Saving's guarantee: never below the truth, and at most `error` above it,
            // which is at most total / capacity.
            #expect(entry.count >= real)
            #expect(entry.count - entry.error <= real)
            #expect(entry.error <= n / capacity)
        }
    }

    @Test func aNewValueTakesOverTheSmallestCounter() {
        var counter = TopCounter(capacity: 2)
        counter.add("a", count: 5)
        counter.add("b", count: 1)
        counter.add("c")
        #expect(counter.count(of: "b") == nil)
        #expect(counter.top(2) == [TopCounter.Entry(value: "a", count: 5, error: 0), TopCounter.Entry(value: "c", count: 2, error: 1)])
    }
}
