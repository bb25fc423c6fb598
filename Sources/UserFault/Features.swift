import CODPKitLinux

extension UserFaultFD {
    /// The `UFFD_FEATURE_*` bits of the UFFDIO_API handshake: which events and fault flags a userfaultfd reports.
    public struct Features: OptionSet, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt64

        public init(rawValue: UInt64) {
            self.rawValue = rawValue
        }

        private init(_ bit: Int32) {
            rawValue = UInt64(bit)
        }

        /// `UFFD_FEATURE_PAGEFAULT_FLAG_WP`: faults on write-protected pages are reported as such.
        public static let pagefaultFlagWP = Features(UFFD_FEATURE_PAGEFAULT_FLAG_WP)
        /// `UFFD_FEATURE_EVENT_FORK`: a fork hands the monitor a new userfaultfd for the child
        /// (enabling it needs CAP_SYS_PTRACE).
        public static let eventFork = Features(UFFD_FEATURE_EVENT_FORK)
        /// `UFFD_FEATURE_EVENT_REMAP`: `mremap` of a registered range is reported.
        public static let eventRemap = Features(UFFD_FEATURE_EVENT_REMAP)
        /// `UFFD_FEATURE_EVENT_REMOVE`: `madvise(MADV_DONTNEED/MADV_REMOVE)` of a registered range is reported.
        public static let eventRemove = Features(UFFD_FEATURE_EVENT_REMOVE)
        /// `UFFD_FEATURE_MISSING_HUGETLBFS`: missing-mode registration works on hugetlbfs.
        public static let missingHugetlbfs = Features(UFFD_FEATURE_MISSING_HUGETLBFS)
        /// `UFFD_FEATURE_MISSING_SHMEM`: missing-mode registration works on shmem and tmpfs.
        public static let missingShmem = Features(UFFD_FEATURE_MISSING_SHMEM)
        /// `UFFD_FEATURE_EVENT_UNMAP`: `munmap` (and mappings placed over) a registered range is reported.
        public static let eventUnmap = Features(UFFD_FEATURE_EVENT_UNMAP)
        /// `UFFD_FEATURE_SIGBUS`: a missing page raises SIGBUS in the faulting thread instead of an event.
        public static let sigbus = Features(UFFD_FEATURE_SIGBUS)
        /// `UFFD_FEATURE_THREAD_ID`: page faults carry the faulting thread's ID.
        public static let threadID = Features(UFFD_FEATURE_THREAD_ID)
        /// `UFFD_FEATURE_MINOR_HUGETLBFS`: minor-fault registration works on hugetlbfs.
        public static let minorHugetlbfs = Features(UFFD_FEATURE_MINOR_HUGETLBFS)
        /// `UFFD_FEATURE_MINOR_SHMEM`: minor-fault registration works on shmem.
        public static let minorShmem = Features(UFFD_FEATURE_MINOR_SHMEM)
        /// `UFFD_FEATURE_EXACT_ADDRESS`: fault addresses are not rounded down to the page.
        public static let exactAddress = Features(UFFD_FEATURE_EXACT_ADDRESS)
        /// `UFFD_FEATURE_WP_HUGETLBFS_SHMEM`: write-protect registration works on hugetlbfs and shmem.
        public static let wpHugetlbfsShmem = Features(UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

        // Newer than bookworm's 6.1 headers: values from the kernel's include/uapi/linux/userfaultfd.h.

        /// `UFFD_FEATURE_WP_UNPOPULATED` (Linux 6.4): write protection covers pages not yet populated.
        public static let wpUnpopulated = Features(rawValue: 1 << 13)
        /// `UFFD_FEATURE_POISON` (Linux 6.6): UFFDIO_POISON marks pages so that touching them raises SIGBUS.
        public static let poison = Features(rawValue: 1 << 14)
        /// `UFFD_FEATURE_WP_ASYNC` (Linux 6.7): the kernel resolves write-protect faults itself; implies wpUnpopulated.
        public static let wpAsync = Features(rawValue: 1 << 15)
        /// `UFFD_FEATURE_MOVE` (Linux 6.8): UFFDIO_MOVE moves pages instead of copying them.
        public static let move = Features(rawValue: 1 << 16)
        /// `UFFD_FEATURE_RWP` (newer than 6.18): read-write protection
        /// tracking, UFFDIO_REGISTER_MODE_RWP and UFFDIO_RWPROTECT.
        public static let rwp = Features(rawValue: 1 << 17)
        /// `UFFD_FEATURE_RWP_ASYNC` (with rwp): the kernel resolves read-write-protect faults itself.
        public static let rwpAsync = Features(rawValue: 1 << 18)

        /// Every feature this type names, in bit order, with its Swift name.
        static let named: [(Features, String)] = [
            (.pagefaultFlagWP, "pagefaultFlagWP"), (.eventFork, "eventFork"), (.eventRemap, "eventRemap"),
            (.eventRemove, "eventRemove"), (.missingHugetlbfs, "missingHugetlbfs"), (.missingShmem, "missingShmem"),
            (.eventUnmap, "eventUnmap"), (.sigbus, "sigbus"), (.threadID, "threadID"),
            (.minorHugetlbfs, "minorHugetlbfs"), (.minorShmem, "minorShmem"), (.exactAddress, "exactAddress"),
            (.wpHugetlbfsShmem, "wpHugetlbfsShmem"), (.wpUnpopulated, "wpUnpopulated"), (.poison, "poison"),
            (.wpAsync, "wpAsync"), (.move, "move"), (.rwp, "rwp"), (.rwpAsync, "rwpAsync"),
        ]

        /// The events a memory-registration cache needs to notice that pages went away or moved.
        public static let addressSpaceEvents: Features = [.eventFork, .eventRemap, .eventRemove, .eventUnmap]

        /// The names of the bits that are set; bits without a name as hex.
        public var description: String { describeBits(rawValue, names: Self.named.map { ($0.rawValue, $1) }) }
    }
}

/// `[a, b, 0x100]`: the names of the set bits of `value`, and any unnamed remainder in hex.
func describeBits(_ value: UInt64, names: [(UInt64, String)]) -> String {
    var parts: [String] = []
    var remaining = value
    for (bit, name) in names where value & bit == bit {
        parts.append(name)
        remaining &= ~bit
    }
    if remaining != 0 { parts.append("0x\(String(remaining, radix: 16))") }
    return "[\(parts.joined(separator: ", "))]"
}
