import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension CoherenceScenario {
    /// `madvise(MADV_DONTNEED)` of a private 2 MiB hugetlbfs page whose first pages are registered: the
    /// CPU's next touch faults in a fresh zero huge page from the pool. (The kernel rounds a hugetlb
    /// range's end down to the huge page, so the advice covers the whole mapping.)
    static let hugetlbDontNeed = CoherenceScenario("hugetlb-dontneed", "madvise(MADV_DONTNEED) of a private 2 MiB hugetlbfs page (its first 4 pages registered)",
                                                   memory: .hugetlb) { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.mappedLength, MADV_DONTNEED)
    }
}
