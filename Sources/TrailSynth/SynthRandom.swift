import TrailCore

/// The generator's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Written here rather than taken from the standard library so that the same seed gives the
/// same bytes on every platform and toolchain (the stdlib does not promise a stable
/// `random(in:using:)` algorithm), which is what makes corpora reproducible.
public struct SynthRandom {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var mixer = seed
        s0 = SynthRandom.splitMix(&mixer)
        s1 = SynthRandom.splitMix(&mixer)
        s2 = SynthRandom.splitMix(&mixer)
        s3 = SynthRandom.splitMix(&mixer)
    }

    /// An independent generator for one purpose (a stream, a scenario), so that adding
    /// events to one part of a corpus does not shift the random choices of another.
    public init(seed: UInt64, purpose: UInt64) {
        var mixer = seed ^ (purpose &* 0x9E37_79B9_7F4A_7C15)
        self.init(seed: SynthRandom.splitMix(&mixer))
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform integer in `0..<bound` (multiply-shift; the bias is far below anything visible).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    public mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(Int(range.upperBound - range.lowerBound + 1)))
    }

    /// A uniform value in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    public mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    public mutating func pick<C: RandomAccessCollection>(_ items: C) -> C.Element where C.Index == Int {
        items[items.startIndex + below(items.count)]
    }

    // MARK: Identifiers

    /// Characters of AWS unique IDs and access keys (AIDA…, AKIA…): upper case and 2–7.
    private static let awsIDAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    private static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let digitAlphabet = Array("0123456789".utf8)

    private mutating func string(_ count: Int, from alphabet: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            for i in 0..<count { buffer[i] = alphabet[below(alphabet.count)] }
            return count
        }
    }

    /// A version-4 UUID, lower case (CloudTrail eventID) or upper case (ActionTrail eventId).
    public mutating func uuid(uppercase: Bool = false) -> String {
        let digits = uppercase ? Hex.uppercaseDigits : Hex.lowercaseDigits
        var a = next(), b = next()
        a = (a & ~0xF000) | 0x4000                              // version 4
        b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000 // RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var i = 0
            func put(_ value: UInt64, nibbles: Int) {
                for k in stride(from: nibbles - 1, through: 0, by: -1) {
                    buffer[i] = digits[Int((value >> (UInt64(k) * 4)) & 0xF)]
                    i += 1
                }
            }
            put(a >> 32, nibbles: 8); buffer[i] = UInt8(ascii: "-"); i += 1
            put(a >> 16, nibbles: 4); buffer[i] = UInt8(ascii: "-"); i += 1
            put(a, nibbles: 4); buffer[i] = UInt8(ascii: "-"); i += 1
            put(b >> 48, nibbles: 4); buffer[i] = UInt8(ascii: "-"); i += 1
            put(b, nibbles: 12)
            return 36
        }
    }

    public mutating func hex(_ count: Int) -> String { string(count, from: Hex.lowercaseDigits) }
    public mutating func digits(_ count: Int) -> String { string(count, from: SynthRandom.digitAlphabet) }
    public mutating func alphanumeric(_ count: Int) -> String { string(count, from: SynthRandom.alphanumerics) }
    public mutating func base64(_ count: Int) -> String { string(count, from: SynthRandom.base64Alphabet) }

    /// An AWS unique ID or key: `prefix` (AIDA, AROA, AKIA, ASIA) plus upper-case characters.
    public mutating func awsID(_ prefix: String, length: Int) -> String {
        prefix + string(length - prefix.utf8.count, from: SynthRandom.awsIDAlphabet)
    }

    /// An EC2-style resource ID: `i-0` followed by 16 hex digits, and so on.
    public mutating func resourceID(_ prefix: String) -> String {
        prefix + "-0" + hex(16)
    }
}
