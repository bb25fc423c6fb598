import Testing
import Verbs
@testable import ODPKit
@testable import ODPKitBench

extension RXEIntegration {
    /// What the NIC reads and writes after the CPU drops the pages (`MADV_DONTNEED`): pinned stays stale, ODP follows.
    @Suite("coherence after MADV_DONTNEED")
    final class CoherenceAfterDontNeedTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func pinnedRegionServesStaleBytesAfterDontNeed() throws {
            let seen = try CoherenceCheck.run(.pinned, .dontNeed, access: .read, on: path)
            #expect(seen.pagesReadBefore == seen.pages, "before the invalidation the NIC must read the CPU's data: \(seen)")
            #expect(seen.cpuAfter.uniform == 0)
            #expect(seen.stalePages == seen.pages, "the pinned MR should still hold the old pages: \(seen)")
            #expect(!seen.coherent)
        }

        @Test func odpRegionServesZerosAfterDontNeed() throws {
            let seen = try CoherenceCheck.run(.odp, .dontNeed, access: .read, on: path)
            #expect(seen.pagesReadBefore == seen.pages, "before the invalidation the NIC must read the CPU's data: \(seen)")
            #expect(seen.cpuAfter.uniform == 0)
            #expect(seen.coherent, "the ODP MR should re-fault the dropped pages and read zeros: \(seen)")
            #expect(seen.stalePages == 0)
        }

        @Test func odpWriteAfterDontNeedLandsWhereTheCPULooks() throws {
            let seen = try CoherenceCheck.run(.odp, .dontNeed, access: .write, on: path)
            #expect(seen.coherent, "\(seen)")
        }

        @Test func pinnedWriteAfterDontNeedIsLostToTheCPU() throws {
            let seen = try CoherenceCheck.run(.pinned, .dontNeed, access: .write, on: path)
            #expect(seen.cpuAfter.uniform == 0, "the NIC wrote into the old pinned pages: \(seen)")
            #expect(seen.stalePages == seen.pages)
        }
    }
}
