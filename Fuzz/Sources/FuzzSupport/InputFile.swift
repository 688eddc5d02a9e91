import Glibc

/// The fuzz input as a file the stages can open by path, so that they run their real
/// `run(inputs:)` path, line reader included. Unlinked at once: nothing is left behind, and
/// the file is reached through its descriptor (/proc/self/fd), in the page cache.
public final class InputFile {
    private let fd: Int32
    public let path: String

    public init() {
        var template = Array("/tmp/trail-fuzz-XXXXXX".utf8CString)
        fd = mkstemp(&template)
        precondition(fd >= 0, "cannot create the fuzz input file")
        unlink(template)
        path = "/proc/self/fd/\(fd)"
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(ftruncate(fd, 0) == 0)
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            precondition(n > 0, "cannot write the fuzz input")
            done += n
        }
    }
}
