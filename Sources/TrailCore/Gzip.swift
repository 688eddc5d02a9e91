import CLibdeflate
import CZlib

/// A gzip or zlib stream that could not be decoded.
public struct GzipError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// gzip helpers over zlib. Decide "compressed or not" from the magic bytes, never from a name.
public enum Gzip {
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a whole gzip buffer, including several concatenated members.
    public static func inflate(_ input: UnsafeRawBufferPointer) throws(GzipError) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count * 8)
        do {
            try inflate(input) { output.append(contentsOf: $0) }
        } catch let error as GzipError {
            throw error
        } catch {
            preconditionFailure("only inflating throws here: \(error)")
        }
        return output
    }

    /// Inflates `input` (several members too), handing each decompressed block to `output`,
    /// which may throw to stop: memory holds one block whatever the stream inflates to. Input
    /// goes to zlib 16 KiB at a time, so that little is inflated after `output` has thrown
    /// (deflate expands at most about 1032 times). A gzip object of one small member, what
    /// trails are made of, is inflated whole by libdeflate first (`WholeMember`).
    public static func inflate(_ input: UnsafeRawBufferPointer, _ output: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        if let whole = WholeMember(input) {
            defer { whole.deallocate() }
            offset = whole.consumed
            let inflated = whole.output
            for start in stride(from: 0, to: inflated.count, by: Inflater.blockSize) {
                try output(UnsafeRawBufferPointer(rebasing: inflated[start..<min(start + Inflater.blockSize, inflated.count)]))
            }
            if offset == input.count { return }
        }
        let inflater = try Inflater()
        while offset < input.count {
            let step = UnsafeRawBufferPointer(rebasing: input[offset..<min(offset + (16 << 10), input.count)])
            // zlib's callback cannot throw: the first failure is kept and the rest ignored.
            var failure: Error?
            try inflater.process(step) { block in
                guard failure == nil else { return }
                do { try output(block) } catch { failure = error }
            }
            if let failure { throw failure }
            offset += step.count
        }
        try inflater.finish()
    }

    /// Compresses `input` as one gzip member with a zero timestamp, so output is reproducible.
    public static func deflate(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws(GzipError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError("cannot initialise zlib")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let produced: Int = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            return CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END ? out.count - Int(stream.avail_out) : -1
        }
        guard produced >= 0 else { throw GzipError("deflate failed") }
        output.removeSubrange(produced...)
        return output
    }
}

/// The first member of a gzip object inflated in one call by libdeflate, which inflates about
/// twice as fast as zlib and checks the CRC with the CPU's carry-less multiply: trail-fetch
/// spent 45% of its time in zlib, a third of that on CRCs. libdeflate needs room for the whole
/// member, which the gzip trailer's ISIZE gives for an object of one member; so only an object
/// whose last member says it is at most `largest` bytes is tried, and anything libdeflate
/// does not take (a corrupt or truncated member, an ISIZE that lies, a larger member before
/// the last) is left to zlib from its start, which reads and reports it as before. A header
/// with its own CRC (FHCRC, which libdeflate skips unchecked) goes to zlib too.
struct WholeMember {
    static let largest = 4 << 20
    private let storage: UnsafeMutableRawBufferPointer
    private let produced: Int
    /// The input bytes the member took; those after it are more members.
    let consumed: Int

    var output: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<produced]) }

    init?(_ input: UnsafeRawBufferPointer) {
        guard Gzip.isGzip(input), input.count >= 18, input[3] & 0x02 == 0, let base = input.baseAddress else { return nil }
        let size = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: input.count - 4, as: UInt32.self)))
        // A decompressor is one allocation and holds nothing between calls: one a call.
        guard size > 0, size <= WholeMember.largest, let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        storage = .allocate(byteCount: size, alignment: 16)
        var consumed = 0, produced = 0
        let result = libdeflate_gzip_decompress_ex(decompressor, base, input.count, storage.baseAddress!, size, &consumed, &produced)
        guard result == LIBDEFLATE_SUCCESS, consumed > 0, consumed <= input.count, produced <= size else {
            storage.deallocate()
            return nil
        }
        (self.consumed, self.produced) = (consumed, produced)
    }

    func deallocate() { storage.deallocate() }
}

/// Streaming gzip/zlib inflater: feed compressed chunks, receive decompressed chunks. Memory
/// stays at one output block whatever the stream's size.
public final class Inflater {
    static let blockSize = 1 << 18
    private var stream = z_stream()
    private var ended = false
    private var sawInput = false
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: Inflater.blockSize, alignment: 16)

    public init() throws(GzipError) {
        // 32 + MAX_WBITS: accept gzip or zlib headers.
        guard inflateInit2_(&stream, 32 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            block.deallocate()
            throw GzipError("cannot initialise zlib")
        }
    }

    deinit {
        inflateEnd(&stream)
        block.deallocate()
    }

    public func process(_ input: UnsafeRawBufferPointer, _ output: (UnsafeRawBufferPointer) -> Void) throws(GzipError) {
        guard input.count > 0 else { return }
        sawInput = true
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 {
            if ended {
                // Another gzip member follows (concatenated files, Firehose objects).
                guard inflateReset(&stream) == Z_OK else { throw GzipError("cannot reset zlib") }
                ended = false
            }
            stream.next_out = block.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(block.count)
            let status = CZlib.inflate(&stream, Z_NO_FLUSH)
            let produced = block.count - Int(stream.avail_out)
            precondition(produced >= 0 && produced <= block.count, "zlib writes inside the block")
            if produced > 0 { output(UnsafeRawBufferPointer(rebasing: block[0..<produced])) }
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: ended = true
            case Z_BUF_ERROR where produced > 0: continue
            case Z_DATA_ERROR: throw GzipError("corrupt gzip data" + zlibMessage)
            case Z_MEM_ERROR: throw GzipError("out of memory while inflating")
            default: throw GzipError("gzip stream error \(status)" + zlibMessage)
            }
        }
    }

    /// Confirms the stream ended cleanly: a truncated file is an error, not a short read.
    public func finish() throws(GzipError) {
        guard ended || !sawInput else { throw GzipError("truncated gzip data (unexpected end of stream)") }
    }

    private var zlibMessage: String {
        stream.msg.map { ": " + String(cString: $0) } ?? ""
    }
}
