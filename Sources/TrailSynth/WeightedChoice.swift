/// A fixed set of choices with relative weights, drawn in O(log n).
struct WeightedChoice<Element>: Sendable where Element: Sendable {
    private let elements: [Element]
    private let cumulative: [Double]

    init(_ weighted: [(Element, Double)]) {
        precondition(!weighted.isEmpty && weighted.allSatisfy { $0.1 >= 0 } && weighted.contains { $0.1 > 0 }, "weights must be non-negative and not all zero")
        elements = weighted.map(\.0)
        var total = 0.0
        cumulative = weighted.map { total += $0.1; return total }
    }

    func pick(_ rng: inout SynthRandom) -> Element {
        let target = rng.unit() * cumulative[cumulative.count - 1]
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return elements[low]
    }
}

extension WeightedChoice where Element == Int {
    /// Catalog actions by name and weight.
    static func actions(_ weighted: [(String, Double)]) -> WeightedChoice<Int> {
        WeightedChoice(weighted.map { (AWSCatalog.index($0.0), $0.1) })
    }
}
