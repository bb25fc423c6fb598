import ODPKit

#if canImport(Glibc)
import Glibc
#endif

extension CoherenceScenario {
    /// Every scenario of the matrix, in the order it prints them.
    public static let all: [CoherenceScenario] = [
        dontNeedAll, dontNeedOnePage, mapOver, remapOnto,
        unmapAll, unmapOnePage, remapAway, remapGrow, remapShrink, protectReadOnly, protectNone, hugePageDontNeedOnePage, freeThenWriteOnePage,
        forkParentWrites, forkParentWritesDontFork, forkChildWrites, forkChildWritesDontFork, forkSharedChildWrites,
        memfdWrite, memfdTruncate, memfdPunchHole, hugetlbDontNeed,
    ]

    /// The scenario named `name`, nil for any other.
    public static func named(_ name: String) -> CoherenceScenario? { all.first { $0.name == name } }

    /// The bytes another buffer brings in when it is moved onto the range.
    static let movedInPattern = BytePattern(salt: 0x77)

    /// `madvise(MADV_DONTNEED)` of the whole region: the CPU's next touch maps zero pages.
    static let dontNeedAll = CoherenceScenario("dontneed-all", "madvise(MADV_DONTNEED) of the whole region") { memory throws(ODPKitError) in
        try system_madvise(memory.base, memory.length, MADV_DONTNEED)
    }

    /// `madvise(MADV_DONTNEED)` of one page in the middle: that page reads zeros, the others keep their bytes.
    static let dontNeedOnePage = CoherenceScenario("dontneed-one", "madvise(MADV_DONTNEED) of one page in the middle") { memory throws(ODPKitError) in
        try system_madvise(memory.base + (memory.length / pageSize / 2) * pageSize, pageSize, MADV_DONTNEED)
    }

    /// `mmap(MAP_FIXED)` of fresh memory over the range: the kernel unmaps it and maps zero-filled pages.
    static let mapOver = CoherenceScenario("mmap-over", "munmap + mmap(MAP_FIXED) of fresh memory at the same address") { memory throws(ODPKitError) in
        _ = try system_mmapAnonymous(length: memory.length, at: memory.base)
    }

    /// `mremap(MREMAP_FIXED)` of another buffer, holding other bytes, onto the range.
    static let remapOnto = CoherenceScenario("mremap-onto", "mremap(MREMAP_FIXED) of another buffer onto the region",
                                             patterns: [movedInPattern]) { memory throws(ODPKitError) in
        let other = try system_mmapAnonymous(length: memory.length)
        movedInPattern.fill(UnsafeMutableRawBufferPointer(start: other, count: memory.length))
        do throws(ODPKitError) {
            try system_mremapFixed(other, memory.length, to: memory.base)
        } catch {
            try? system_munmap(other, memory.length)
            throw error
        }
    }
}
