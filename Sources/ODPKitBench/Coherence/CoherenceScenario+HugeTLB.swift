import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension CoherenceScenario {
    /// `madvise(MADV_DONTNEED)` of a private 2 MiB hugetlbfs page: the CPU's next touch faults in a fresh
    /// zero huge page from the pool.
    static let hugetlbDontNeed = CoherenceScenario("hugetlb-dontneed", "madvise(MADV_DONTNEED) of a private 2 MiB hugetlbfs page",
                                                   memory: .hugetlb, pages: ScenarioMemory.hugePageSize / pageSize) { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.length, MADV_DONTNEED)
    }
}
