import ODPKit
import ODPKitBench
import ODPKitReport
import Testing

extension RXEIntegration {
    /// The coherence matrix's page-table changes on private anonymous memory, each cell's verdict expected
    /// from what the kernel does (`mm/madvise.c`, `mm/mmap.c`, `mm/mremap.c`) and how each mode hears of it.
    @Suite("coherence matrix: page-table changes")
    final class CoherenceMatrixTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        static let expectations: [CoherenceExpectation] = [
            .init("dontneed-all", .pinned, "stale(4/4 pages)", because: "GUP pinned the old pages; MADV_DONTNEED zaps the page tables but the pin keeps the frames, and the CPU faults in zero pages"),
            .init("dontneed-all", .odp, "coherent", because: "the zap runs the mmu_interval_notifier, which invalidates the NIC's translation; the NIC's next access faults the CPU's new (zero) pages"),
            .init("dontneed-all", .mirror, "coherent", because: "userfaultfd reports UFFD_EVENT_REMOVE before the zap; the mirror drops the chunk and re-pins it on the next use, after the zap", mirrorHears: true),
            .init("dontneed-one", .pinned, "stale(1/4 pages)", because: "only the dropped page's frame is no longer the CPU's; the other three are the pinned frames the CPU still maps"),
            .init("dontneed-one", .odp, "coherent", because: "the notifier invalidates the one page's range"),
            .init("dontneed-one", .mirror, "coherent", because: "the REMOVE event covers the one page; its chunk is re-pinned", mirrorHears: true),
            .init("mmap-over", .pinned, "stale(4/4 pages)", because: "mmap(MAP_FIXED) unmaps the old pages, which the pin keeps, and maps new zero pages"),
            .init("mmap-over", .odp, "coherent", because: "the unmap runs the notifier; the NIC faults the new mapping at the same address"),
            .init("mmap-over", .mirror, "coherent", because: "the unmap is an UFFD_EVENT_UNMAP; the next use finds the range mapped again and re-pins it", mirrorHears: true),
            .init("mremap-onto", .pinned, "stale(4/4 pages)", because: "mremap moves the other buffer's page-table entries onto the range; the pin keeps the old frames"),
            .init("mremap-onto", .odp, "coherent", because: "the moved-over range is unmapped first, which runs the notifier"),
            .init("mremap-onto", .mirror, "coherent", because: "the range is unmapped by the move (an UFFD_EVENT_UNMAP); the next use re-pins what is now there", mirrorHears: true),
        ]

        @Test(arguments: expectations)
        func theNICSeesWhatTheKernelSemanticsSay(_ expectation: CoherenceExpectation) throws {
            try expectation.check(on: path)
        }
    }
}
