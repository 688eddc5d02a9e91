#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder where state lives when a tool is given only a name for it (`--state fetch.json`,
/// `--spool spool`), as trail-watch keeps its state: `$STATE_DIRECTORY` (what systemd's
/// StateDirectory= sets; its first entry when it lists several), else `$XDG_STATE_HOME/trail`,
/// else `~/.local/state/trail`.
public enum StateFolder {
    /// How `--help` names the rule.
    public static let rule = "a NAME without '/' is kept in the state folder: $STATE_DIRECTORY, else $XDG_STATE_HOME/trail, else ~/.local/state/trail"

    public static func path(environment: [String: String]) -> String {
        if let systemd = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !systemd.isEmpty {
            return String(systemd)
        }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return xdg + "/trail"
        }
        return (environment["HOME"] ?? "") + "/.local/state/trail"
    }

    /// `path` as given when it names a folder (has a '/'), else `path` inside the state folder,
    /// which is made (mode 700) if missing, so a first run has somewhere to write.
    public static func resolve(_ path: String, environment: [String: String]) -> String {
        guard !path.contains("/"), path != ".", path != ".." else { return path }
        let folder = self.path(environment: environment)
        makeFolders(folder)
        return folder + "/" + path
    }

    /// `mkdir -p` (mode 700 for the folders it makes); a failure shows when the file is opened.
    private static func makeFolders(_ folder: String) {
        var made = ""
        for part in folder.split(separator: "/") {
            made += "/" + part
            _ = mkdir(made, 0o700)
        }
    }
}
