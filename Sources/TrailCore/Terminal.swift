#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a terminal on a descriptor is like, for output meant for people.
public enum Terminal {
    /// The columns of the terminal on `fd`; nil when `fd` is not a terminal (a pipe, a file):
    /// output for programs is never cut.
    public static func columns(of fd: Int32) -> Int? {
        guard isatty(fd) == 1 else { return nil }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Whether output on `fd` is coloured: on a terminal, unless NO_COLOR is set (no-color.org).
    public static func wantsColour(_ fd: Int32) -> Bool {
        isatty(fd) == 1 && getenv("NO_COLOR") == nil
    }
}
