import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The directory a command writes its files into: made (with its missing parents) when missing, refused
/// when something else is there. After a failed run `removeIfMade()` removes what it made, if still empty.
public struct OutputDirectory: Sendable {
    public let path: String
    /// The directories this made, the deepest first.
    private let made: [String]

    /// Makes `path` and its missing parents (mode 0755 less the umask), or checks that it is a directory.
    ///
    /// The corresponding C functions are `stat` and `mkdir`.
    public init(path: String) throws(ODPKitError) {
        guard !path.isEmpty else {
            throw ODPKitError(.invalidArgument, function: "mkdir", errno: .noSuchFileOrDirectory, reason: "the output directory's name is empty; name a directory to write into")
        }
        self.path = path
        var made: [String] = []
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            switch fileType(at: prefix) {
            case S_IFDIR:
                continue
            case nil:
                guard mkdir(prefix, 0o755) == 0 || errno == EEXIST else {
                    let error = Errno(rawValue: errno)
                    Self.remove(made)
                    throw ODPKitError.call("mkdir", errno: error, reason: "cannot make the directory \(prefix): \(error.plainDescription); choose a directory this user may write to")
                }
                made.insert(prefix, at: 0)
            default:
                Self.remove(made)
                throw ODPKitError(.invalidArgument, function: "mkdir", errno: .notDirectory,
                                  reason: "\(prefix) exists and is not a directory; name a directory to write into")
            }
        }
        self.made = made
    }

    /// The path of the file `name` in this directory.
    public func file(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// Removes the directories this made, deepest first, as long as they are empty.
    public func removeIfMade() {
        Self.remove(made)
    }

    private static func remove(_ directories: [String]) {
        for directory in directories where rmdir(directory) != 0 { return }
    }
}
