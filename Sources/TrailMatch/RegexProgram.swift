/// A parsed regular expression as a Thompson automaton, searched by simulating every thread at
/// once (Pike's VM, yes/no only): each character of the text is looked at once per state of
/// the automaton, so the time is linear in the text whatever the pattern or the text, with no
/// backtracking to blow up (`(a+)+$` on a long run of a's included).
struct RegexProgram: Sendable {
    enum Op: Sendable {
        /// Consumes one character of `sets[k]`.
        case set(Int)
        case split(Int, Int)
        case jump(Int)
        case assert(RegexAssertion)
        case match
    }

    private(set) var ops: [Op] = []
    private(set) var sets: [ScalarSet] = []
    /// Every branch starts at the start of the text: threads start there only.
    private(set) var anchored = false

    init(_ node: RegexNode) {
        emit(node)
        ops.append(.match)
        anchored = RegexProgram.startsAnchored(node)
    }

    private static func startsAnchored(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(let a): return a == .textStart
        case .concat(let items): return items.first.map(startsAnchored) ?? false
        case .alternation(let branches): return branches.allSatisfy(startsAnchored)
        default: return false
        }
    }

    private mutating func emit(_ node: RegexNode) {
        switch node {
        case .set(let set): consume(set)
        case .char(let c, let caseless):
            var set = ScalarSet()
            set.insert(c.value...c.value, caseless: caseless)
            consume(set)
        case .assertion(let a): ops.append(.assert(a))
        case .concat(let items): items.forEach { emit($0) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k == branches.count - 1 {
                    emit(branch)
                } else {
                    let split = ops.count
                    ops.append(.match)
                    emit(branch)
                    jumps.append(ops.count)
                    ops.append(.match)
                    ops[split] = .split(split + 1, ops.count)
                }
            }
            for j in jumps { ops[j] = .jump(ops.count) }
        case .repeated(let inner, let min, let max):
            for _ in 0..<min { emit(inner) }
            if let max {
                for _ in min..<max { optional(inner) }
            } else {
                star(inner)
            }
        }
    }

    private mutating func consume(_ set: ScalarSet) {
        let k = sets.firstIndex(of: set) ?? sets.count
        if k == sets.count { sets.append(set) }
        ops.append(.set(k))
    }

    private mutating func optional(_ inner: RegexNode) {
        let split = ops.count
        ops.append(.match)
        emit(inner)
        ops[split] = .split(split + 1, ops.count)
    }

    private mutating func star(_ inner: RegexNode) {
        let split = ops.count
        ops.append(.match)
        emit(inner)
        ops.append(.jump(split))
        ops[split] = .split(split + 1, ops.count)
    }

    /// What the assertions see at one position of the text.
    struct Position {
        var before: UInt32?
        var after: UInt32?
        /// The text's last character is a newline, and it is `after`.
        var finalNewline: Bool

        func holds(_ a: RegexAssertion) -> Bool {
            switch a {
            case .textStart: return before == nil
            case .textEnd: return after == nil
            case .textEndOrFinalNewline: return after == nil || finalNewline
            case .lineStart: return before == nil || before == 0x0A
            case .lineEnd: return after == nil || after == 0x0A
            case .wordBoundary, .notWordBoundary:
                let boundary = (before.map(ScalarSet.isWord) ?? false) != (after.map(ScalarSet.isWord) ?? false)
                return boundary == (a == .wordBoundary)
            }
        }
    }

    /// Whether the pattern matches somewhere in `text` (UTF-8; a byte that does not start a
    /// valid character counts as one character U+FFFD).
    func search(_ text: UnsafeRawBufferPointer) -> Bool {
        let n = ops.count
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * n) { scratch in
            var threads = ThreadList(scratch, n)
            var at = 0
            var before: UInt32?
            while true {
                let (c, width) = RegexProgram.decode(text, at)
                let position = Position(before: before, after: c, finalNewline: c == 0x0A && at + width == text.count)
                if !anchored || at == 0 {
                    if threads.add(0, ops, position) { return true }
                }
                guard let c, threads.count > 0 || !anchored else { return false }
                threads.swap()
                let next = at + width
                let (following, nextWidth) = RegexProgram.decode(text, next)
                let ahead = Position(before: c, after: following, finalNewline: following == 0x0A && next + nextWidth == text.count)
                for k in 0..<threads.previousCount {
                    let pc = threads.previous(k)
                    if case .set(let k) = ops[pc], sets[k].contains(c), threads.add(pc + 1, ops, ahead) { return true }
                }
                before = c
                at = next
            }
        }
    }

    /// The character at `at` and its length in bytes; nil at the end.
    @inline(__always) static func decode(_ text: UnsafeRawBufferPointer, _ at: Int) -> (UInt32?, Int) {
        guard at < text.count else { return (nil, 1) }
        let b0 = UInt32(text[at])
        if b0 < 0x80 { return (b0, 1) }
        let width = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1
        guard width > 1, at + width <= text.count else { return (0xFFFD, 1) }
        var c = b0 & (0xFF >> UInt32(width + 1))
        for k in 1..<width {
            let b = UInt32(text[at + k])
            guard b & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            c = c << 6 | (b & 0x3F)
        }
        return (c, width)
    }
}

/// The threads of the simulation: this step's (states to consume the next character) and the
/// last step's, each a list of states with a membership mark, in one scratch allocation.
private struct ThreadList {
    private let current: UnsafeMutableBufferPointer<Int>
    private let last: UnsafeMutableBufferPointer<Int>
    private let mark: UnsafeMutableBufferPointer<Int>
    private let stack: UnsafeMutableBufferPointer<Int>
    private(set) var count = 0
    private(set) var previousCount = 0
    private var step = 1

    init(_ scratch: UnsafeMutableBufferPointer<Int>, _ n: Int) {
        current = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
        last = UnsafeMutableBufferPointer(rebasing: scratch[n..<(2 * n)])
        mark = UnsafeMutableBufferPointer(rebasing: scratch[(2 * n)..<(3 * n)])
        stack = UnsafeMutableBufferPointer(rebasing: scratch[(3 * n)..<(4 * n)])
        mark.initialize(repeating: 0)
    }

    func previous(_ k: Int) -> Int { last[k] }

    /// Starts the next step: this step's threads become the last step's.
    mutating func swap() {
        for k in 0..<count { last[k] = current[k] }
        previousCount = count
        count = 0
        step += 1
    }

    /// Adds `pc` and every state it reaches without consuming a character at `position`;
    /// true when one of them is the match.
    mutating func add(_ pc: Int, _ ops: [RegexProgram.Op], _ position: RegexProgram.Position) -> Bool {
        var depth = 0
        func push(_ p: Int) {
            guard mark[p] != step else { return }
            mark[p] = step
            stack[depth] = p
            depth += 1
        }
        push(pc)
        while depth > 0 {
            depth -= 1
            let p = stack[depth]
            switch ops[p] {
            case .match: return true
            case .set:
                current[count] = p
                count += 1
            case .jump(let to): push(to)
            case .split(let a, let b):
                push(b)
                push(a)
            case .assert(let a):
                if position.holds(a) { push(p + 1) }
            }
        }
        return false
    }
}
