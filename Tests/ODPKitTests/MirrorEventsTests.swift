import Foundation
import Testing
@testable import ODPKit
import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// The mirror's monitor on a range whose mapping is split in several VMAs — what munmap +
/// mmap(MAP_FIXED) or mremap(MREMAP_FIXED) onto part of a registered range leaves behind.
@Suite("mirror events: missing faults in a range split into several mappings (host)", .serialized, .timeLimit(.minutes(1)))
struct MirrorEventsTests {
    /// One chunk of 8 pages; page 4 replaced by a mapping of its own, touched, then registered again:
    /// the chunk now spans three VMAs (their anon_vmas differ, so they do not merge). A fault on page 1 must be resolved, although zero-filling from
    /// page 1 to the chunk's end crosses into the next VMA (`UFFDIO_ZEROPAGE` refuses that range).
    @Test func aFaultNextToAnotherMappingIsResolved() throws {
        // Touched, then pages 0..<4 dropped before registering: missing again without a REMOVE event.
        let split = try SplitChunk(droppedBeforeRegistering: 0..<4)
        defer { try? split.monitor.shutdown() }
        let memory = split.memory, four = split.four

        let done = DispatchSemaphore(value: 0)
        let target = memory.baseAddress + pageSize
        let address = UInt(bitPattern: target)
        let toucher = Thread {
            UnsafeMutableRawPointer(bitPattern: address)?.storeBytes(of: 0x11, as: UInt8.self)
            done.signal()
        }
        toucher.start()
        let resolved = done.wait(timeout: .now() + 10) == .success
        if !resolved {
            // Closing the userfaultfd wakes the thread, so that a failure does not hang the run.
            try? split.monitor.shutdown()
            _ = done.wait(timeout: .now() + 10)
        }
        #expect(resolved, "a missing fault on page 1 was not resolved within 10 s: zero-filling to the chunk's end crosses into the next mapping")
        #expect(target.load(as: UInt8.self) == 0x11)
        #expect(four.load(as: UInt8.self) == 0x44)
    }

    /// The same split chunk; `madvise(MADV_DONTNEED)` of pages 2..<6 crosses both boundaries of page 4's
    /// mapping. The pages waiting for the kernel's zap are populated anyway, run by run.
    @Test func pagesDroppedAcrossMappingsArePopulated() throws {
        let split = try SplitChunk(droppedBeforeRegistering: 0..<0)
        defer { try? split.monitor.shutdown() }
        let memory = split.memory, table = split.table

        try memory.dropPages((2 * pageSize)..<(6 * pageSize))
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !table.pendingRuns().isEmpty && ContinuousClock.now < deadline { usleep(1000) }
        #expect(table.pendingRuns().isEmpty, "pages still wait for population: \(table.pendingRuns())")
        #expect(memory.bytes[2 * pageSize] == 0 && memory.bytes[5 * pageSize] == 0 && memory.bytes[6 * pageSize] == 0x5A)
    }
}

/// One chunk of 8 pages, filled, mirrored by a monitor running the mirror's event handling; then page
/// 4 replaced by a mapping of its own (a fresh `mmap(MAP_FIXED)` over it, touched; not munmap and then
/// mmap, whose hole a test running alongside could take) and the range
/// registered again: the chunk spans three VMAs, whose anon_vmas differ, so they do not merge.
private struct SplitChunk {
    let memory: AnonymousMemory
    let table: ChunkTable
    let monitor: UserFaultMonitor
    let four: UnsafeMutableRawPointer

    /// `droppedBeforeRegistering`: pages dropped before the userfaultfd hears anything (no REMOVE event).
    init(droppedBeforeRegistering dropped: Range<Int>) throws {
        let pages = 8
        memory = try AnonymousMemory(length: pages * pageSize)
        let base = UInt(bitPattern: memory.baseAddress)
        let table = ChunkTable(base: base, length: pages * pageSize, chunkSize: pages * pageSize, pageSize: pageSize)
        self.table = table
        memory.fill(0x5A)
        if !dropped.isEmpty { try memory.dropPages((dropped.lowerBound * pageSize)..<(dropped.upperBound * pageSize)) }
        let fd = try UserFaultFD()
        _ = try fd.handshake(requesting: [.eventRemove, .eventUnmap, .eventRemap])
        _ = try fd.register(AddressRange(start: base, length: pages * pageSize), mode: .missing)
        monitor = try UserFaultMonitor(fd: fd, idleInterval: .milliseconds(10)) { event, fd in
            _ = MirrorEvents.handle(event, fd: fd, table: table)
        } onIdle: { [buffers = MonitorBuffers()] fd in
            MirrorEvents.populatePending(fd: fd, table: table, buffers: buffers)
        }
        four = memory.baseAddress + 4 * pageSize
        _ = try system_mmapAnonymous(length: pageSize, at: four)
        four.storeBytes(of: 0x44, as: UInt8.self)
        _ = try fd.register(AddressRange(start: base, length: pages * pageSize), mode: .missing)
    }
}
