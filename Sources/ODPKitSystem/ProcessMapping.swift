/// One line of `/proc/self/maps`: an address range, whether it is shared (`MAP_SHARED`), and what backs it.
package struct ProcessMapping: Sendable, Hashable {
    package var start: UInt
    package var end: UInt
    package var shared: Bool
    /// The file, `[heap]`-style name, or empty for anonymous memory.
    package var path: String

    /// Parses a line of `/proc/self/maps` (`start-end perms offset dev inode [path]`); nil for anything else.
    package init?(line: String) {
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

    /// This process's mappings that overlap `start..<end`, from `/proc/self/maps`.
    package static func overlapping(_ start: UInt, _ end: UInt) throws(ODPKitError) -> [ProcessMapping] {
        guard let lines = lines(of: "/proc/self/maps") else {
            throw ODPKitError(.system, function: "fopen", reason: "cannot read /proc/self/maps to find the mappings in 0x\(String(start, radix: 16))-0x\(String(end, radix: 16))")
        }
        return lines.compactMap(ProcessMapping.init(line:)).filter { $0.start < end && start < $0.end }
    }
}
