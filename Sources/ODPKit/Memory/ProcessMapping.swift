import ODPKitSystem
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// One line of `/proc/self/maps`: an address range, whether it is shared (`MAP_SHARED`), and what backs it.
struct ProcessMapping: Sendable, Hashable {
    var start: UInt
    var end: UInt
    var shared: Bool
    /// The file, `[heap]`-style name, or empty for anonymous memory.
    var path: String

    /// Parses a line of `/proc/self/maps` (`start-end perms offset dev inode [path]`); nil for anything else.
    init?(line: String) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
              fields[1].count == 4, let sharing = fields[1].last, sharing == "s" || sharing == "p" else { return nil }
        self.start = start
        self.end = end
        shared = sharing == "s"
        path = fields.count == 6 ? String(fields[5].drop { $0 == " " }.prefix { $0 != "\n" }) : ""
    }
}

extension ProcessMapping {
    /// This process's mappings that overlap `start..<end`, from `/proc/self/maps`.
    static func overlapping(_ start: UInt, _ end: UInt) throws(ODPKitError) -> [ProcessMapping] {
        guard let file = fopen("/proc/self/maps", "r") else {
            throw ODPKitError.call("fopen(/proc/self/maps)", errno: Errno(rawValue: errno))
        }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var found: [ProcessMapping] = []
        while getline(&buffer, &capacity, file) > 0, let buffer {
            if let mapping = ProcessMapping(line: String(cString: buffer)), mapping.start < end, start < mapping.end {
                found.append(mapping)
            }
        }
        return found
    }
}
