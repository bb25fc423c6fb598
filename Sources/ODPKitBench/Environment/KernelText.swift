/// The text the kernel shows under /proc and /sys, read: a sysctl's number, a setting's `[chosen]`
/// word, a `key : value` line, the mount points of a file system type.
enum KernelText {
    /// The integer a sysctl or sysfs file holds (`65530\n`), nil when it holds anything else.
    static func integer(_ text: String) -> Int? {
        Int(Substring(text).trimmingWhitespace())
    }

    /// The bracketed word of a setting's line (`always [madvise] never` is `madvise`), nil without one.
    static func bracketedChoice(_ line: String) -> String? {
        guard let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
        return String(line[line.index(after: open)..<close])
    }

    /// The value of the first `key: value` line for `key` (`model name\t: QEMU …` in /proc/cpuinfo,
    /// `HugePages_Free:       4` in /proc/meminfo), without the spaces around it; nil when no line has it.
    static func value(of key: String, in lines: [String]) -> String? {
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), Substring(line[..<colon]).trimmingWhitespace() == key else { continue }
            return line[line.index(after: colon)...].trimmingWhitespace()
        }
        return nil
    }

    /// The mount points of the file systems of `type` in lines of /proc/mounts (`none /dev/hugepages
    /// hugetlbfs rw,relatime,pagesize=2M 0 0`), as the kernel writes them (a space is `\040`).
    static func mountPoints(ofType type: String, in lines: [String]) -> [String] {
        lines.compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count >= 3 && fields[2] == type ? String(fields[1]) : nil
        }
    }
}
