import TrailCore

/// Just enough of PNG to check a screenshot: 8-bit RGB or RGBA, not interlaced, inflated with
/// TrailCore's zlib and unfiltered row by row.
struct PNGImage {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let width: Int
    let height: Int
    /// Bytes per pixel: 3 (RGB) or 4 (RGBA).
    let channels: Int
    let pixels: [UInt8]

    init(_ file: [UInt8]) throws {
        guard file.count > 33, file.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Failure(description: "not a PNG file")
        }
        func uint32(_ at: Int) -> Int { file[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var at = 8
        var header: (width: Int, height: Int, depth: UInt8, color: UInt8, interlace: UInt8)?
        var compressed: [UInt8] = []
        while at + 8 <= file.count {
            let length = uint32(at)
            let type = String(decoding: file[(at + 4)..<(at + 8)], as: UTF8.self)
            let body = (at + 8)..<(at + 8 + length)
            guard body.upperBound + 4 <= file.count else { throw Failure(description: "truncated \(type) chunk") }
            switch type {
            case "IHDR": header = (uint32(body.lowerBound), uint32(body.lowerBound + 4), file[body.lowerBound + 8], file[body.lowerBound + 9], file[body.lowerBound + 12])
            case "IDAT": compressed.append(contentsOf: file[body])
            default: break
            }
            at = body.upperBound + 4
        }
        guard let header else { throw Failure(description: "no IHDR chunk") }
        guard header.depth == 8, header.color == 2 || header.color == 6, header.interlace == 0 else {
            throw Failure(description: "unsupported PNG: depth \(header.depth), colour type \(header.color), interlace \(header.interlace)")
        }
        width = header.width
        height = header.height
        channels = header.color == 6 ? 4 : 3
        let raw = try compressed.withUnsafeBytes { try Gzip.inflate($0) }
        let stride = width * channels
        guard raw.count == height * (stride + 1) else { throw Failure(description: "expected \(height * (stride + 1)) bytes of image data, got \(raw.count)") }
        var out = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            let row = y * (stride + 1) + 1
            for x in 0..<stride {
                let a = x >= channels ? Int(out[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(out[(y - 1) * stride + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw Failure(description: "unknown filter \(filter) on row \(y)")
                }
                out[y * stride + x] = UInt8((Int(raw[row + x]) + predictor) & 0xFF)
            }
        }
        pixels = out
    }

    /// The colour of each pixel as one number (alpha ignored).
    func color(x: Int, y: Int) -> UInt32 {
        let i = (y * width + x) * channels
        return UInt32(pixels[i]) << 16 | UInt32(pixels[i + 1]) << 8 | UInt32(pixels[i + 2])
    }
}
