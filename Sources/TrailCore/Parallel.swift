#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Runs independent pieces of work on every core: trail-synth's files (gzip and creating
/// files, which parallelise perfectly across files), trail-match's rule files (reading YAML is
/// most of its start).
public enum Parallel {
    /// Splits `0..<count` into contiguous chunks, runs `body` on each concurrently, and returns
    /// the results in chunk order (so callers can merge them deterministically).
    public static func mapChunks<T: Sendable>(count: Int, _ body: @escaping @Sendable (Range<Int>) throws -> T) throws -> [T] {
        guard count > 0 else { return [] }
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        // Several chunks per core so that uneven chunks (busy streams) still balance out.
        let chunks = min(count, cores * 8)
        let slots = Slots<Result<T, any Error>>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (chunk * count / chunks)..<((chunk + 1) * count / chunks)
            slots.set(chunk, Result { try body(range) })
        }
        return try slots.values.map { try $0.get() }
    }
}

/// One result slot per chunk. Each slot is written by exactly one iteration of
/// `concurrentPerform` and read only after it has returned, so no two threads ever touch the
/// same memory: that is why the unchecked Sendable is sound.
private final class Slots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    func set(_ index: Int, _ value: T) { buffer[index] = value }

    var values: [T] { buffer.map { $0! } }
}
