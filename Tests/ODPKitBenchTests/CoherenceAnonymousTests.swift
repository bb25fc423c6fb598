import ODPKit
import ODPKitBench
import ODPKitReport
import Testing

extension RXEIntegration {
    /// The coherence matrix on private anonymous memory unmapped, moved away, resized, protected, split
    /// out of a transparent huge page and lazily freed: each verdict expected from what the kernel does
    /// (`mm/mmap.c`, `mm/mremap.c`, `mm/mprotect.c`, `mm/madvise.c`, `mm/hmm.c`, `fs/userfaultfd.c`,
    /// `drivers/infiniband/sw/rxe/rxe_odp.c`) and how each mode hears of it.
    @Suite("coherence matrix: anonymous memory")
    final class CoherenceAnonymousTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath(stagingBytes: CoherenceMatrix.stagingBytes)
        }

        deinit {
            try? path.close()
        }

        static let remoteAccessError = "nic-error(remote access error)"
        static let mirrorCannotPin = "refused(ibv_reg_mr_iova2: EFAULT)"

        static let expectations: [CoherenceExpectation] = [
            .init("munmap-all", .pinned, "through-protection",
                  because: "the pin holds a reference on every frame, so munmap frees nothing the MR uses; the MR's translation is unchanged and the NIC reads and writes the frames the process no longer maps"),
            .init("munmap-all", .odp, remoteAccessError,
                  because: "munmap runs the interval notifier, which drops the NIC's translation; the NIC's fault (hmm_range_fault) finds no VMA and fails, and rxe answers the request with a remote access error"),
            .init("munmap-all", .mirror, mirrorCannotPin,
                  because: "UFFD_EVENT_UNMAP invalidates the chunk; the next use re-pins it (rxe cannot change a translation in place) and pin_user_pages finds nothing mapped"),
            .init("munmap-one", .pinned, "through-protection",
                  because: "the pinned frame of the unmapped page stays in the MR; the NIC reaches it although the CPU has no page there"),
            .init("munmap-one", .odp, remoteAccessError,
                  because: "the notifier drops the unmapped page's translation; the access spans it, and its fault finds no VMA"),
            .init("munmap-one", .mirror, mirrorCannotPin,
                  because: "the chunk spanning the hole is invalidated and cannot be pinned again while a page of it is unmapped"),
            .init("mremap-away", .pinned, "through-protection",
                  because: "mremap moves the page-table entries, not the frames; the pin keeps the MR on them, now mapped elsewhere, and the registered range has nothing mapped"),
            .init("mremap-away", .odp, remoteAccessError,
                  because: "moving the page tables invalidates the old range (the notifier); the fault at the registered address finds no VMA"),
            .init("mremap-away", .mirror, mirrorCannotPin,
                  because: "UFFD_EVENT_REMAP invalidates the source range; re-pinning the registered range finds nothing mapped"),
            .init("mremap-grow", .pinned, "coherent",
                  because: "growing in place extends the VMA past the registration; no page under the MR changes"),
            .init("mremap-grow", .odp, "coherent",
                  because: "no page table under the registration changes, so no invalidation is needed; the translation stays right"),
            .init("mremap-grow", .mirror, "coherent",
                  because: "an in-place grow sends no userfaultfd event and needs none"),
            .init("mremap-shrink", .pinned, "through-protection",
                  because: "the cut-off pages' frames stay pinned in the MR; the remaining pages agree, the cut-off ones are reached although unmapped"),
            .init("mremap-shrink", .odp, remoteAccessError,
                  because: "the shrink unmaps the tail (the notifier); the access spans the cut-off pages, whose fault finds no VMA"),
            .init("mremap-shrink", .mirror, mirrorCannotPin,
                  because: "the shrink's unmap of the tail is an UFFD_EVENT_UNMAP; the chunk cannot be pinned again over the hole"),
            .init("mprotect-read", .pinned, "coherent", write: "through-protection",
                  because: "mprotect changes the PTEs, not the frames; the pin was taken for writing, so the NIC writes memory the CPU may only read"),
            .init("mprotect-read", .odp, "coherent", write: remoteAccessError,
                  because: "the protection change runs the notifier; a READ faults the pages back readable, a WRITE asks hmm_range_fault for write access, which a VMA without VM_WRITE refuses"),
            .init("mprotect-read", .mirror, "coherent", write: "through-protection",
                  because: "userfaultfd has no event for mprotect: the chunk stays pinned for writing", mirrorHears: false),
            .init("mprotect-none", .pinned, "through-protection",
                  because: "the pinned frames stay in the MR whatever the PTEs allow"),
            .init("mprotect-none", .odp, remoteAccessError,
                  because: "the notifier drops the translation; hmm_range_fault refuses any fault on a VMA without VM_READ"),
            .init("mprotect-none", .mirror, "through-protection",
                  because: "no userfaultfd event for mprotect: the chunk stays pinned", mirrorHears: false),
            .init("thp-dontneed-one", .pinned, "stale(1/512 pages)",
                  because: "the split remaps the huge page with 4 KiB entries on the same frames; only the zapped page is a new (zero) page, its old frame held by the pin"),
            .init("thp-dontneed-one", .odp, "coherent",
                  because: "the split and the zap run the notifier; the NIC re-faults all 512 pages, the zapped one as the zero page"),
            .init("thp-dontneed-one", .mirror, "coherent",
                  because: "UFFD_EVENT_REMOVE covers the one page; its chunk is re-pinned after the zap", mirrorHears: true),
            .init("madvfree-write", .pinned, "coherent",
                  because: "MADV_FREE leaves the PTEs present and only marks the pages clean and lazily freeable; without memory pressure none is reclaimed (a pinned one never is), and the CPU's write goes to the same frame"),
            .init("madvfree-write", .odp, "coherent",
                  because: "MADV_FREE runs the notifier; the NIC re-faults the same frames"),
            .init("madvfree-write", .mirror, "coherent",
                  because: "madvise sends UFFD_EVENT_REMOVE for MADV_FREE as for MADV_DONTNEED, but zaps nothing: the pages stay present, so after its grace the mirror pins the chunk again on the same frames, which the pins keep from being reclaimed (a lazily freed folio with extra references is kept), and the CPU's write goes to the same frame"),
        ]

        @Test(arguments: expectations)
        func theNICSeesWhatTheKernelSemanticsSay(_ expectation: CoherenceExpectation) throws {
            try expectation.check(on: path)
        }
    }
}
