/// The most frequent values of a stream in fixed memory: the Space-Saving algorithm (Metwally,
/// Agrawal, El Abbadi, 2005) with `capacity` counters.
///
/// While at most `capacity` distinct values have been seen every count is exact. Beyond that, a
/// new value takes over the smallest counter and inherits its count as its possible error, so a
/// count is never below the truth and at most `error` above it; every value seen more than
/// `total / capacity` times is kept. The counters sit in a min-heap, so each update is
/// O(log capacity).
public struct TopCounter: Sendable {
    public struct Entry: Sendable, Equatable {
        public let value: String
        /// An upper bound of how often `value` was seen.
        public let count: Int
        /// How much of `count` may be someone else's (0 while the counter is exact).
        public let error: Int
    }

    public let capacity: Int
    /// Everything added, exact whatever the number of distinct values.
    public private(set) var total = 0
    /// True once a value had to take over another's counter: counts are upper bounds from then on.
    public private(set) var isApproximate = false

    private var heap: [Entry] = []
    private var position: [String: Int] = [:]

    public init(capacity: Int) {
        precondition(capacity > 0, "a top counter needs at least one counter")
        self.capacity = capacity
    }

    /// How many distinct values were seen: exact unless approximate, then at least this many.
    public var distinctCount: Int { heap.count }

    public mutating func add(_ value: String, count: Int = 1) {
        total += count
        if let i = position[value] {
            heap[i] = Entry(value: value, count: heap[i].count + count, error: heap[i].error)
            siftDown(i)
        } else if heap.count < capacity {
            heap.append(Entry(value: value, count: count, error: 0))
            position[value] = heap.count - 1
            siftUp(heap.count - 1)
        } else {
            isApproximate = true
            let smallest = heap[0]
            position[smallest.value] = nil
            heap[0] = Entry(value: value, count: smallest.count + count, error: smallest.count)
            position[value] = 0
            siftDown(0)
        }
    }

    /// The `n` largest counters, largest first (ties by value, so the order is stable).
    public func top(_ n: Int) -> [Entry] {
        Array(heap.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }.prefix(n))
    }

    /// The counter of `value`, if it holds one.
    public func count(of value: String) -> Int? {
        position[value].map { heap[$0].count }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].count < heap[parent].count else { return }
            swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count, heap[left].count < heap[smallest].count { smallest = left }
            if right < heap.count, heap[right].count < heap[smallest].count { smallest = right }
            guard smallest != i else { return }
            swapAt(i, smallest)
            i = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        position[heap[a].value] = a
        position[heap[b].value] = b
    }
}
