import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// rdma-core's fork mode (`ibv_is_fork_initialized`, which asks the kernel's RDMA netlink for
    /// copy-on-fork, as `rdma system show` does): `unneeded`, `enabled` or `disabled`.
    static func forkFinding(_ mode: String) -> DoctorFinding {
        switch mode {
        case "unneeded":
            return .ok("fork", "IBV_FORK_UNNEEDED: the kernel copies pinned pages for a forked child (copy-on-fork); registration marks nothing MADV_DONTFORK")
        case "enabled":
            return .warn("fork", "IBV_FORK_ENABLED without copy-on-fork: ibv_fork_init (RDMAV_FORK_SAFE) marks every pinned range MADV_DONTFORK, which splits mappings (see max_map_count) and leaves a child without those pages",
                         action: "use Linux 5.13 or later, whose copy-on-fork makes ibv_fork_init unneeded")
        case "disabled":
            return .warn("fork", "IBV_FORK_DISABLED: no copy-on-fork reported (Linux before 5.13) and no ibv_fork_init: after a fork the parent's writes to pinned pages can go to copies the NIC does not see",
                         action: "use Linux 5.13 or later, or set RDMAV_FORK_SAFE=1 and avoid fork while regions are registered")
        default:
            return .warn("fork", "ibv_is_fork_initialized answered \(mode)", action: "check `rdma system show` for copy-on-fork")
        }
    }

    /// Transparent huge pages: the registration probe measures each size with them advised on and off,
    /// and a coherence scenario needs them.
    static func transparentHugePagesFinding() -> DoctorFinding {
        guard let enabled = TransparentHugePages.enabled() else {
            return .warn("thp", "\(TransparentHugePages.settings) unreadable: no transparent huge pages",
                         action: "the registration probe's THP-on rows and the coherence matrix's transparent-huge scenario need a kernel with CONFIG_TRANSPARENT_HUGEPAGE")
        }
        let smallest = TransparentHugePages.smallestAdvised().map { "; an advised mapping may get huge pages from \(byteText(UInt64($0)))" } ?? ""
        let found = "enabled [\(enabled)], defrag [\(TransparentHugePages.defrag() ?? "unreadable")]\(smallest)"
        guard enabled == "always" || enabled == "madvise" else {
            return .warn("thp", found, action: "`echo madvise > \(TransparentHugePages.settings)/enabled`: with [\(enabled)] the registration probe's THP-on rows hold no huge page, and the transparent-huge coherence scenario cannot run")
        }
        return .ok("thp", found)
    }

    /// hugetlbfs: the pool of 2 MiB pages the coherence matrix's hugetlb scenario maps from, the
    /// default huge page size, and where hugetlbfs is mounted.
    static func hugeTLBFinding() -> DoctorFinding {
        let reserved = firstLine(of: "/proc/sys/vm/nr_hugepages", startingWith: "").flatMap(KernelText.integer)
        let free = firstLine(of: ScenarioMemory.freeHugePagesFile, startingWith: "").flatMap(KernelText.integer) ?? 0
        let size = KernelText.value(of: "Hugepagesize", in: lines(of: "/proc/meminfo") ?? []) ?? "unknown"
        let mounts = KernelText.mountPoints(ofType: "hugetlbfs", in: lines(of: "/proc/mounts") ?? [])
        let needed = CoherenceScenario.all.filter { $0.memory == .hugetlb }.map { ScenarioMemory.freeHugePagesNeeded(pages: $0.pages) }.max() ?? 0
        let found = "vm.nr_hugepages \(reserved.map(String.init) ?? "unreadable"), \(free) free 2 MiB pages, default size \(size), hugetlbfs "
            + (mounts.isEmpty ? "not mounted" : "mounted at \(mounts.joined(separator: ", "))")
        guard free >= needed else {
            return .warn("hugetlb", found, action: "the hugetlb coherence scenario needs \(needed) free 2 MiB pages: `sysctl -w vm.nr_hugepages=\(needed)`")
        }
        return .ok("hugetlb", found)
    }

    /// `vm.max_map_count` against the mappings a mirror region of `regionBytes` could split into: one
    /// per chunk, should each chunk's range get flags of its own (MADV_DONTFORK per registration under
    /// ibv_fork_init, a userfaultfd registration per chunk after munmap), on top of what the process maps now.
    func mapCountFinding() -> DoctorFinding {
        guard let maximum = firstLine(of: "/proc/sys/vm/max_map_count", startingWith: "").flatMap(KernelText.integer) else {
            return .warn("max_map_count", "/proc/sys/vm/max_map_count unreadable", action: "check `sysctl vm.max_map_count`")
        }
        let mapped = lines(of: "/proc/self/maps")?.count ?? 0
        let found = "vm.max_map_count \(maximum); this process maps \(mapped); a mirror region of \(byteText(UInt64(regionBytes))) could split into \(chunks) mappings (one per chunk)"
        guard mapped + chunks <= maximum else {
            return .warn("max_map_count", found, action: "`sysctl -w vm.max_map_count=\(2 * (mapped + chunks))`: past the limit mmap, mprotect and madvise fail with ENOMEM")
        }
        return .ok("max_map_count", found)
    }
}
