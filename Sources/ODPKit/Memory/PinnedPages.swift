
/// How much memory this process has pinned: the `VmPin` line of `/proc/self/status` (`mm->pinned_vm`),
/// what `RLIMIT_MEMLOCK` is checked against when a pinned region is registered.
public enum PinnedPages {
    /// Bytes pinned now, nil when the kernel does not report it.
    public static func current() -> UInt64? {
        guard let line = firstLine(of: "/proc/self/status", startingWith: "VmPin:") else { return nil }
        return line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { UInt64($0) }.map { $0 * 1024 }
    }
}
