import Foundation

/// Runs `read` on every item at once, one thread each (the work is waiting on the network, so
/// it is not bounded by the cores as `concurrentPerform` would be); results in the order of `items`.
func readAtOnce<Item: Sendable>(_ items: [Item],
                                _ read: @escaping @Sendable (Item) throws -> [UInt8]?) -> [Result<[UInt8]?, Error>] {
    let slots = ReadSlots(items.count)
    let group = DispatchGroup()
    for (i, item) in items.enumerated() {
        group.enter()
        Thread {
            let result = Result { try read(item) }
            slots.lock.withLock { slots.results[i] = result }
            group.leave()
        }.start()
    }
    group.wait()
    return slots.results
}

private final class ReadSlots: @unchecked Sendable {
    var results: [Result<[UInt8]?, Error>]
    let lock = NSLock()
    init(_ n: Int) { results = Array(repeating: .success(nil), count: n) }
}
