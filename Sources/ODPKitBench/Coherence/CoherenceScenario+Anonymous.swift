import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// The scenarios on private anonymous memory beyond the first four: the range unmapped, moved away,
/// resized, protected, a transparent huge page split, and lazily freed.
extension CoherenceScenario {
    /// The bytes the CPU writes into one page after `MADV_FREE`.
    static let writtenAfterFreePattern = BytePattern(salt: 0x5D)

    /// `munmap` of the whole region, nothing mapped in its place: the CPU cannot look at it any more.
    static let unmapAll = CoherenceScenario("munmap-all", "munmap of the whole region, nothing mapped in its place",
                                            unmappedPages: 0..<4) { memory throws(ODPKitError) in
        try memory.unmap()
    }

    /// `munmap` of one page in the middle (hmm-tests' partial unmap): the other three stay mapped.
    static let unmapOnePage = CoherenceScenario("munmap-one", "munmap of one page in the middle, the others stay mapped",
                                                unmappedPages: 2..<3) { memory throws(ODPKitError) in
        try memory.unmap(pages: 2..<3)
    }

    /// `mremap(MREMAP_MAYMOVE | MREMAP_FIXED)` of the region to another address: its pages go with it and
    /// nothing is mapped at the registered range.
    static let remapAway = CoherenceScenario("mremap-away", "mremap(MREMAP_FIXED) of the region to another address, nothing left in its place",
                                             unmappedPages: 0..<4) { memory throws(ODPKitError) in
        let elsewhere = try system_mmapAnonymous(length: memory.length)
        do throws(ODPKitError) {
            try system_mremapFixed(memory.base, memory.length, to: elsewhere)
        } catch {
            try? system_munmap(elsewhere, memory.length)
            throw error
        }
        memory.base = elsewhere
    }

    /// `mremap` growing the region in place by two pages: the registered pages stay as they were.
    static let remapGrow = CoherenceScenario("mremap-grow", "mremap growing the region in place by two pages", growthRoom: 2) { memory throws(ODPKitError) in
        try memory.releaseGrowthRoom()
        _ = try system_mremapResize(memory.base, memory.length, to: memory.length + 2 * pageSize, mayMove: false)
        memory.length += 2 * pageSize
    }

    /// `mremap` shrinking the region in place to its first two pages: the last two are unmapped.
    static let remapShrink = CoherenceScenario("mremap-shrink", "mremap shrinking the region in place to its first half",
                                               unmappedPages: 2..<4) { memory throws(ODPKitError) in
        _ = try system_mremapResize(memory.base, memory.length, to: 2 * pageSize, mayMove: false)
        memory.length = 2 * pageSize
    }

    /// `mprotect(PROT_READ)`, undone after the NIC's access: a NIC WRITE that lands is through the protection.
    static let protectReadOnly = CoherenceScenario("mprotect-read", "mprotect(PROT_READ) of the region (the CPU may only read)", cpuAccess: .readOnly) {
        memory throws(ODPKitError) in
        try system_mprotect(memory.base, memory.length, PROT_READ)
    } restore: { memory throws(ODPKitError) in
        try system_mprotect(memory.base, memory.length, PROT_READ | PROT_WRITE)
    }

    /// `mprotect(PROT_NONE)`, undone after the NIC's access: any NIC access that gets through is through the protection.
    static let protectNone = CoherenceScenario("mprotect-none", "mprotect(PROT_NONE) of the region (the CPU may not touch it)", cpuAccess: .none) {
        memory throws(ODPKitError) in
        try system_mprotect(memory.base, memory.length, PROT_NONE)
    } restore: { memory throws(ODPKitError) in
        try system_mprotect(memory.base, memory.length, PROT_READ | PROT_WRITE)
    }

    /// `madvise(MADV_DONTNEED)` of one 4 KiB page inside a 2 MiB transparent huge page: the kernel splits
    /// the huge mapping and zaps the one page.
    static let hugePageDontNeedOnePage = CoherenceScenario("thp-dontneed-one", "madvise(MADV_DONTNEED) of one 4 KiB page inside a 2 MiB transparent huge page",
                                                           memory: .transparentHuge, pages: ScenarioMemory.hugePageSize / pageSize) { memory throws(ODPKitError) in
        try system_madvise(memory.base + (memory.length / pageSize / 2) * pageSize, pageSize, MADV_DONTNEED)
    }

    /// `madvise(MADV_FREE)` of the whole region, then the CPU writes one page: the kernel may reclaim the
    /// pages the CPU did not write again, lazily, and only under memory pressure.
    static let freeThenWriteOnePage = CoherenceScenario("madvfree-write", "madvise(MADV_FREE) of the whole region, then the CPU writes one page",
                                                        patterns: [writtenAfterFreePattern]) { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.length, MADV_FREE)
        let page = (2 * pageSize)..<(3 * pageSize)
        UnsafeMutableRawBufferPointer(rebasing: memory.bytes[page]).copyBytes(from: writtenAfterFreePattern.bytes(page))
    }
}
