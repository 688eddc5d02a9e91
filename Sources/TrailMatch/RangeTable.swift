/// The rule index's rule lists by a 64-bit hash it computed itself (FNV-1a of a value, salted
/// per field): open addressing over the hash's bits, so that looking up a value of an event
/// costs a multiply and a compare or two, not a Dictionary's SipHash of the key (several per
/// event: a value whole and at each prefix length rules use).
struct RangeTable {
    private var hashes: [UInt64]
    private var ranges: [Range<Int>]
    private var occupied: [Bool]
    private let shift: UInt64
    private let mask: Int

    init(_ entries: [UInt64: Range<Int>]) {
        var bits: UInt64 = 3
        while (1 << bits) < entries.count * 2 { bits += 1 }
        let size = 1 << Int(bits)
        shift = 64 - bits
        mask = size - 1
        hashes = Array(repeating: 0, count: size)
        ranges = Array(repeating: 0..<0, count: size)
        occupied = Array(repeating: false, count: size)
        for (hash, range) in entries {
            var i = slot(hash)
            while occupied[i] { i = (i + 1) & mask }
            hashes[i] = hash
            ranges[i] = range
            occupied[i] = true
        }
    }

    @inline(__always) private func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always) subscript(_ hash: UInt64) -> Range<Int>? {
        var i = slot(hash)
        while occupied[i] {
            if hashes[i] == hash { return ranges[i] }
            i = (i + 1) & mask
        }
        return nil
    }
}
