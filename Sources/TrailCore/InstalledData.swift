#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the data installed with the tools lives (`make install`: PREFIX/share/trail, holding
/// the rule pack): found from the running executable's own resolved location, so a tool run
/// through a symbolic link or from any folder finds the pack installed beside it.
public enum InstalledData {
    /// The running executable's resolved path (Linux: /proc/self/exe), else `argv0` as given.
    public static func executablePath(argv0: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return argv0 }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `PREFIX/share/trail` for an executable in `PREFIX/bin`.
    public static func folder(argv0: String) -> String {
        let executable = executablePath(argv0: argv0)
        let binFolder = executable.contains("/") ? String(executable[..<executable.lastIndex(of: "/")!]) : "."
        return binFolder + "/../share/trail"
    }
}
