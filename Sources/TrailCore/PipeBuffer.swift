#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel buffer of the pipes the stages talk through (`trail-fetch | trail-flatten | …`).
/// Linux gives a pipe 64 KiB: a stage moving hundreds of megabytes through one is woken for
/// every 64 KiB, and a pipeline spent as long switching between its stages as working
/// (trail-match reading 2 GB through one took 3.1 s, through a 1 MiB one 1.7 s). A stage whose
/// standard input or output is a pipe asks for `size`, what Linux lets any user ask for by
/// default (`/proc/sys/fs/pipe-max-size`); where it is refused, the pipe stays as it was.
public enum PipeBuffer {
    public static let size = 1 << 20

    /// Widens standard input and output where they are pipes.
    public static func widenStandardStreams() {
        widen(STDIN_FILENO)
        widen(STDOUT_FILENO)
    }

    /// Asks for a buffer of `size` for the pipe `fd` is an end of, unless it has one as large.
    public static func widen(_ fd: Int32) {
        #if os(Linux)
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFIFO, let current = size(of: fd), current < size else { return }
        _ = fcntl(fd, setSize, Int32(size))
        #endif
    }

    /// The size of the pipe `fd` is an end of; nil where `fd` is not one, or on systems that
    /// do not say.
    public static func size(of fd: Int32) -> Int? {
        #if os(Linux)
        let current = fcntl(fd, getSize)
        return current >= 0 ? Int(current) : nil
        #else
        return nil
        #endif
    }

    // F_SETPIPE_SZ and F_GETPIPE_SZ (fcntl.h, Linux 2.6.35): Glibc's module leaves them out.
    private static let setSize: Int32 = 1031, getSize: Int32 = 1032
}
