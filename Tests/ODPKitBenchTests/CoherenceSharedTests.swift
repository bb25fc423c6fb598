import Testing
@testable import ODPKit
@testable import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

extension RXEIntegration {
    /// The coherence matrix across fork, on shared memory (a `MAP_SHARED` anonymous region, a memfd) and
    /// on hugetlbfs, each cell's verdict expected from what the kernel does (`mm/memory.c`, `mm/shmem.c`,
    /// `fs/userfaultfd.c`, `mm/hugetlb.c`) and how each mode hears of it.
    @Suite("coherence matrix: fork, shared memory and hugetlbfs")
    final class CoherenceSharedTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        static let noChildMapping = "n/a(the child has no mapping of the region (MADV_DONTFORK))"
        /// The mirror refuses shared mappings at registration (`MirrorRegion.refuseSharedMappings`).
        static let sharedRefused = "refused(odpkit mirror: shared-mapping)"
        static let sharedReason = "truncating or punching a hole in shmem sends no userfaultfd event (userfaultfd_remove is called from madvise alone), so a mirror of a shared mapping would keep stale pinned pages: the mirror refuses any shared mapping at registration"

        static let expectations: [CoherenceExpectation] = [
            .init("fork-parent-writes", .pinned, "coherent",
                  because: "fork copies a maybe-DMA-pinned anonymous page for the child at once (folio_needs_cow_for_dma: the try to share its mapping fails with EBUSY, copy_present_page), so the parent keeps its pinned page writable and writes into it"),
            .init("fork-parent-writes", .odp, "coherent",
                  because: "fork write-protects the parent's pages under an mmu notifier, and the parent's write copies each page (the child still maps it) under another; the NIC faults the parent's new pages"),
            .init("fork-parent-writes", .mirror, "coherent",
                  because: "the mirror's chunks are pinned, so fork copies their pages for the child as for a pinned region; no userfaultfd event is needed", mirrorHears: false),
            .init("fork-parent-writes-dontfork", .pinned, "coherent", because: "with VM_DONTCOPY the child gets no copy of the region and fork leaves the parent's page tables alone"),
            .init("fork-parent-writes-dontfork", .odp, "coherent", because: "fork does not touch the region; the parent's write lands in the pages the NIC maps"),
            .init("fork-parent-writes-dontfork", .mirror, "coherent", because: "fork does not touch the region; the pinned chunks are the CPU's pages"),
            .init("fork-child-writes", .pinned, "coherent",
                  because: "the child writes copies of its own (fork copied the pinned pages for it); the parent's pinned pages keep the bytes both the parent and the NIC see"),
            .init("fork-child-writes", .odp, "coherent",
                  because: "the child's writes copy the pages in the child; the NIC faults the parent's pages (a WRITE breaks the parent's write protection by reusing the page, now the parent's alone)"),
            .init("fork-child-writes", .mirror, "coherent", because: "as pinned: the child writes copies of its own; the chunks' pinned pages are the parent's", mirrorHears: false),
            .init("fork-child-writes-dontfork", .pinned, noChildMapping, because: "MADV_DONTFORK leaves the child without the mapping: there is nothing for it to write"),
            .init("fork-child-writes-dontfork", .odp, noChildMapping, because: "MADV_DONTFORK leaves the child without the mapping"),
            .init("fork-child-writes-dontfork", .mirror, noChildMapping, because: "MADV_DONTFORK leaves the child without the mapping"),
            .init("fork-shared-child-writes", .pinned, "coherent", because: "a MAP_SHARED mapping is not copy-on-write: the child writes the same shmem pages the pin holds"),
            .init("fork-shared-child-writes", .odp, "coherent", because: "the child writes the shmem pages the NIC's translation points at; nothing is copied or unmapped"),
            .init("fork-shared-child-writes", .mirror, sharedRefused, because: sharedReason),
            .init("memfd-pwrite", .pinned, "coherent", because: "pwrite copies into the page-cache folios the mapping maps, which are the pinned ones; no page table changes"),
            .init("memfd-pwrite", .odp, "coherent", because: "pwrite writes the pages the NIC's translation points at; no notifier is needed"),
            .init("memfd-pwrite", .mirror, sharedRefused, because: sharedReason),
            .init("memfd-truncate", .pinned, "stale(4/4 pages)",
                  because: "truncation unmaps the pages and removes them from the page cache, but the pin keeps the frames; after the file grows back the CPU faults in new zeroed pages"),
            .init("memfd-truncate", .odp, "coherent", because: "the truncation's unmap_mapping_range runs the notifier; the NIC's fault allocates the file's new pages, which the CPU then maps"),
            .init("memfd-truncate", .mirror, sharedRefused, because: sharedReason),
            .init("memfd-punch-hole", .pinned, "stale(4/4 pages)", because: "shmem_fallocate(PUNCH_HOLE) unmaps the range and truncates it from the page cache; the pin keeps the old frames"),
            .init("memfd-punch-hole", .odp, "coherent", because: "the hole's unmap runs the notifier; the NIC faults the file's new zero pages"),
            .init("memfd-punch-hole", .mirror, sharedRefused, because: sharedReason),
            .init("hugetlb-dontneed", .pinned, "stale(4/4 pages)",
                  because: "MADV_DONTNEED unmaps the private huge page, which the pin keeps out of the pool; the CPU faults in another, zeroed, huge page"),
            .init("hugetlb-dontneed", .odp, "coherent", because: "the zap runs the notifier; the NIC faults the CPU's new huge page"),
            .init("hugetlb-dontneed", .mirror, "refused(ioctl(UFFDIO_REGISTER): EINVAL)",
                  because: "UFFDIO_REGISTER on hugetlbfs wants a range of whole huge pages, and the mirror registers the region's four small pages"),
        ]

        @Test(arguments: expectations)
        func theNICSeesWhatTheKernelSemanticsSay(_ expectation: CoherenceExpectation) throws {
            try expectation.check(on: path)
        }

        /// On a whole huge page the registration succeeds, but hugetlbfs offers no UFFDIO_ZEROPAGE: the
        /// mirror refuses rather than retry its missing faults forever.
        @Test func aMirrorRegionRefusesAWholeHugePage() throws {
            let memory = try ScenarioMemory(.hugetlb, pages: ScenarioMemory.hugePageSize / pageSize)
            let error = #expect(throws: ODPKitError.self) {
                _ = try MirrorRegion(pd: path.pd, address: memory.base, length: memory.length)
            }
            #expect(error?.function == "ioctl(UFFDIO_REGISTER)")
            #expect(error?.code == .unsupported, "\(String(describing: error))")
        }
    }
}
