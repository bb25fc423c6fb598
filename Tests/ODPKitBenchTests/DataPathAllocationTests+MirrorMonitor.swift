import Testing
import TestSupport
@testable import ODPKit
@testable import ODPKitBench
import ODPKitSystem

#if canImport(Glibc)
import Glibc
#endif

extension DataPathAllocationTests {
    /// Issue 19's item 10: the mirror's monitor thread allocates nothing while it reads, decodes and
    /// applies events and on its idle turns (populating dropped pages, probing suspects). A thread that
    /// trims its malloc heap with madvise holds an arena lock until the monitor has read its event; a
    /// monitor that called malloc meanwhile would deadlock against it (ofiwg/libfabric#5554). Nested in
    /// the serialized allocation suite: the interposer counts every thread's allocations, so no other
    /// counted test may run beside it.
    @Suite("rxe integration: the mirror's monitor allocates nothing")
    struct MirrorMonitor {
        /// Rounds of: DONTNEED of one page, of a run across a chunk boundary, a CPU read of a dropped page
        /// before the monitor populated it (a missing fault the monitor resolves), a second DONTNEED of the
        /// same page (two REMOVEs whose zaps are counted), and munmap of a page (an UNMAP); then a wait until
        /// the monitor has applied every event and populated every page, with its idle turns running. No
        /// chunk is re-pinned meanwhile (refresh on use), so every allocation counted would be the monitor's.
        @Test func handlingEventsAllocatesNothing() throws {
            let path = try LoopbackPath()
            defer { try? path.close() }
            let chunk = MirrorRegion.defaultChunkSize
            let rounds = 40
            let memory = try AnonymousMemory(length: 4 * chunk + rounds * pageSize)
            memory.fill(0x42)
            let mirror = try MirrorRegion(pd: path.pd, address: memory.baseAddress, length: memory.length, refresh: .onUse)
            defer { try? mirror.close() }
            let runs = UnsafeMutableBufferPointer<ChunkTable.Run>.allocate(capacity: 1)
            defer { runs.deallocate() }
            var failures = 0

            /// One round's changes; `round` picks the pages, so that every round drops pages of its own.
            func change(_ round: Int) {
                let page = memory.baseAddress + (round % (4 * chunk / pageSize)) * pageSize
                if madvise(page, pageSize, MADV_DONTNEED) != 0 { failures += 1 }
                if madvise(page, pageSize, MADV_DONTNEED) != 0 { failures += 1 }
                if page.load(fromByteOffset: 8, as: UInt8.self) != 0 { failures += 1 }
                let boundary = memory.baseAddress + (1 + round % 3) * chunk - pageSize
                if madvise(boundary, 2 * pageSize, MADV_DONTNEED) != 0 { failures += 1 }
                if munmap(memory.baseAddress + 4 * chunk + round * pageSize, pageSize) != 0 { failures += 1 }
                // Bounded: the monitor applies the events and its idle turns (every 10 ms) populate the pages.
                let deadline = ContinuousClock.now.advanced(by: .seconds(10))
                while mirror.table.appliedEvents.load(ordering: .acquiring) < mirror.monitor.eventsRead
                        || mirror.table.pendingRuns(into: runs) > 0 {
                    guard ContinuousClock.now < deadline else { failures += 1; return }
                    usleep(1000)
                }
                usleep(30_000)  // and a few idle turns more, probing the suspect pages
            }

            change(0)
            let eventsBefore = mirror.monitor.eventsRead
            let count = MallocCounter.allocations {
                for round in 1..<rounds { change(round) }
            }
            let events = mirror.monitor.eventsRead - eventsBefore
            #expect(failures == 0, "a change failed or the monitor did not catch up within 10 s")
            #expect(events >= 4 * (rounds - 1), "the monitor read \(events) events in \(rounds - 1) rounds of 4 changes")
            #expect(mirror.monitor.failure == nil)
            #expect(count == 0, "\(count) heap allocations while the monitor handled \(events) events in \(rounds - 1) rounds")
            let statistics = mirror.statistics
            print("mirror monitor: \(events) events, \(statistics.invalidations) invalidations, \(count) allocations")
        }
    }
}
