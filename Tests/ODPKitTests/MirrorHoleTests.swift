import Foundation
import Synchronization
import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

/// The mirror under attack (issue 19, by item): each hole ends in an error at the use or in a call that
/// returns; every wait is bounded, and a timeout fails naming what it waited for.
@Suite("rxe integration: the mirror's holes", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"))
final class MirrorHoleTests {
    let path: LoopbackPath
    /// Four pages: small enough that a test's two chunks fault in quickly under emulation.
    let chunk = 4 * pageSize

    init() throws {
        path = try LoopbackPath()
    }

    deinit {
        try? path.close()
    }

    /// What replaces the second chunk's pages so that userfaultfd cannot watch them again.
    enum Replacement: String, CaseIterable, Sendable {
        /// A regular file mapped `MAP_PRIVATE | MAP_FIXED` over it: userfaultfd's missing mode takes
        /// anonymous, shmem and hugetlbfs memory only (EINVAL).
        case privateFileMapping
        /// Pages of another mirror region moved over it by `mremap`: they stay registered with that
        /// region's userfaultfd (EBUSY).
        case pagesOfAnotherMirror
        /// Shared anonymous memory mapped `MAP_FIXED` over it: userfaultfd would take it, but its
        /// truncation sends no event, so the mirror refuses it before registering.
        case sharedMapping

        /// The call that refuses the chunk and its errno (nil: an odpkit check, no errno).
        var refusal: (function: String, errno: Int32?) {
            switch self {
            case .privateFileMapping: ("ioctl(UFFDIO_REGISTER)", EINVAL)
            case .pagesOfAnotherMirror: ("ioctl(UFFDIO_REGISTER)", EBUSY)
            case .sharedMapping: ("odpkit mirror", nil)
            }
        }
    }

    /// Item 2: the chunk's mapping changed and registering it again fails. Its pages can still be
    /// pinned, but no event would tell of their next change: the use refuses the chunk, naming the
    /// register call and its errno, the region says it is not coherent there, and the eager refresher,
    /// which failed on it once, does not try again without a new event.
    @Test(arguments: Replacement.allCases)
    func aChunkThatCannotBeWatchedAgainIsRefusedAtItsUse(_ replacement: Replacement) throws {
        let memory = try AnonymousMemory(length: 2 * chunk)
        memory.fill(0x5A)
        let mirror = try MirrorRegion(pd: path.pd, address: memory.baseAddress, length: memory.length, chunkSize: chunk)
        defer { try? mirror.close() }
        let replaced = try Replaced(replacement, over: memory, at: chunk, pd: path.pd)
        defer { replaced.close() }

        let error = #expect(throws: ODPKitError.self) { _ = try mirror.segments(offset: self.chunk, length: pageSize) }
        #expect(error?.function == replacement.refusal.function && error?.errno?.rawValue == replacement.refusal.errno, "\(String(describing: error))")
        #expect(!mirror.isCoherent(chunk..<(2 * chunk)), "a chunk nobody watches is reported coherent")
        #expect(throws: Never.self, "the chunk the change did not touch") { _ = try mirror.segments(offset: 0, length: self.chunk) }

        // The eager refresher runs on its own thread, woken by the change's event: wait (bounded) for its failure.
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while mirror.statistics.eagerFailures == 0, ContinuousClock.now < deadline { usleep(1000) }
        let failures = mirror.statistics.eagerFailures
        #expect(failures >= 1, "the eager refresher did not fail on the chunk within 5 s")
        usleep(200_000)
        #expect(mirror.statistics.eagerFailures == failures, "the eager refresher keeps trying the chunk without an event")
        withExtendedLifetime(memory) {}
    }

    /// Item 8: a forked child holds a copy of the region's userfaultfd (close-on-exec drops it only at
    /// exec), which keeps the descriptor's context alive after close(). Were the range still registered,
    /// the parent's next munmap would wait for a read that only the child's exit ends.
    @Test func aForkedChildDoesNotHoldTheParentsMunmapAfterClose() throws {
        let length = 4 * pageSize
        let base = try system_mmapAnonymous(length: length)
        memset(base, 0x5A, length)
        let mirror = try MirrorRegion(pd: path.pd, address: base, length: length)
        var child = try ForkedChild(to: base, holds: true)
        defer { _ = try? child.releaseAndWait() }
        try mirror.close()

        let clock = ContinuousClock()
        let started = clock.now
        let address = UInt(bitPattern: base)
        let unmapper = BoundedCall { munmap(UnsafeMutableRawPointer(bitPattern: address), length) }
        guard let unmapped = unmapper.wait(timeout: .seconds(3)) else {
            _ = try? child.releaseAndWait()
            let late = unmapper.wait(timeout: .seconds(10)).map { _ in "after \(clock.now - started), once the child exited" } ?? "not even 10 s after the child exited"
            Issue.record("munmap of a closed mirror region's range did not return within 3 s while a forked child held a copy of its userfaultfd; it returned \(late)")
            return
        }
        #expect(unmapped == 0)
        #expect(try child.releaseAndWait() == .done)
    }

    /// Item 9: the monitor's read fails while a madvise of the range waits for it. The madvise returns,
    /// and every later use of the region fails naming the monitor's failure; the region is not coherent.
    @Test func aDeadMonitorFailsEveryUseAndHoldsNoMadvise() throws {
        let memory = try AnonymousMemory(length: 2 * chunk)
        memory.fill(0x5A)
        let mirror = try MirrorRegion(pd: path.pd, address: memory.baseAddress, length: memory.length, chunkSize: chunk)
        defer { try? mirror.close() }
        mirror.monitor.failNextRead(with: .badAddress)

        let address = UInt(bitPattern: memory.baseAddress)
        let advisor = BoundedCall { madvise(UnsafeMutableRawPointer(bitPattern: address), pageSize, MADV_DONTNEED) }
        guard let advised = advisor.wait(timeout: .seconds(5)) else {
            try? mirror.close() // closing the userfaultfd releases it
            _ = advisor.wait(timeout: .seconds(10))
            Issue.record("madvise(MADV_DONTNEED) of the mirror's range did not return within 5 s of its monitor's failed read (failure: \(String(describing: mirror.monitor.failure)))")
            return
        }
        #expect(advised == 0)
        for use in [0..<chunk, chunk..<(2 * chunk)] {
            let error = #expect(throws: ODPKitError.self) { _ = try mirror.segments(offset: use.lowerBound, length: use.count) }
            #expect(error?.errno == .badAddress && error?.reason.contains("read: EFAULT") == true, "\(String(describing: error))")
            #expect(!mirror.isCoherent(use))
        }
        let waited = #expect(throws: ODPKitError.self) { try mirror.waitUntilCoherent(0..<self.chunk, timeout: .seconds(1)) }
        #expect(waited?.reason.contains("read: EFAULT") == true, "\(String(describing: waited))")
        withExtendedLifetime(memory) {}
    }

    /// Item 1: two threads `madvise(MADV_DONTNEED)` the same page at once while a third holds the
    /// mmap lock for write now and then (`mprotect` of an unrelated mapping), which delays the zap of
    /// a released caller. A zero page mapped after one zap proves nothing about the other: a refresh
    /// that pins then is zapped by the late caller, and the NIC keeps a page the CPU no longer has.
    /// After each round the CPU writes a fresh pattern and the NIC must read it back, within 5 s.
    @Test func twoDropsOfOnePageNeitherStallNorLeaveAStalePage() throws {
        let memory = try AnonymousMemory(length: 2 * chunk)
        memory.fill(0x5A)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        let unrelated = try AnonymousMemory(length: pageSize)
        unrelated.fill(1)
        let stop = Atomic(false)
        let unrelatedAddress = UInt(bitPattern: unrelated.baseAddress)
        let protector = BoundedCall {
            var flips: Int32 = 0
            while !stop.load(ordering: .relaxed) {
                mprotect(UnsafeMutableRawPointer(bitPattern: unrelatedAddress), pageSize, flips & 1 == 0 ? PROT_READ : PROT_READ | PROT_WRITE)
                flips &+= 1
            }
            return flips
        }
        defer {
            stop.store(true, ordering: .relaxed)
            _ = protector.wait(timeout: .seconds(5))
        }

        let page = UInt(bitPattern: memory.baseAddress) + UInt(pageSize)
        let clock = ContinuousClock()
        let until = clock.now.advanced(by: .seconds(20))
        var rounds = 0, stalePages = 0, stalls: [String] = []
        while rounds < 300 && clock.now < until && stalls.count < 3 {
            rounds += 1
            let go = Atomic(0)
            let droppers = (0..<2).map { _ in
                BoundedCall {
                    go.add(1, ordering: .relaxed)
                    while go.load(ordering: .relaxed) < 2 {}
                    return madvise(UnsafeMutableRawPointer(bitPattern: page), pageSize, MADV_DONTNEED)
                }
            }
            for dropper in droppers {
                guard let advised = dropper.wait(timeout: .seconds(5)) else {
                    Issue.record("round \(rounds): madvise(MADV_DONTNEED) did not return within 5 s")
                    return
                }
                #expect(advised == 0)
            }
            let fresh = UInt8(truncatingIfNeeded: rounds % 200 + 20)
            memory.fill(fresh, range: pageSize..<(2 * pageSize))
            do {
                try mirror.ensureCoherent(pageSize..<(2 * pageSize), timeout: .seconds(5))
            } catch {
                stalls.append("round \(rounds): \(error)")
                continue
            }
            let seen = try path.read(region, offset: pageSize, length: pageSize)
            if !seen.allSatisfy({ $0 == fresh }) { stalePages += 1 }
        }
        #expect(stalls.isEmpty, "\(stalls.count) stalls in \(rounds) rounds (\(stalePages) stale pages): \(stalls)")
        #expect(stalePages == 0, "the NIC read a page the CPU no longer has in \(stalePages) of \(rounds) rounds")
        #expect(rounds >= 50, "only \(rounds) rounds in 20 s")
        let statistics = mirror.statistics
        print("two drops of one page: \(rounds) rounds, \(stalePages) stale, \(stalls.count) stalls, \(statistics.invalidations) invalidations, \(statistics.refaults) re-faults, \(statistics.retries) retries, \(statistics.orphansRepinned) orphans re-pinned, \(statistics.zapsNeverSeen) zaps never seen")
        withExtendedLifetime((memory, unrelated)) {}
    }

    /// Item 6: `madvise(MADV_FREE)` sends the same REMOVE as `MADV_DONTNEED` but zaps nothing, so the
    /// page never comes back absent. The chunk must not wait for that zap forever: the CPU's write after
    /// it reaches the NIC within 5 s, and once settled the mirror counts the zap as never seen.
    @Test func madvFreeNeitherStallsAChunkNorLeavesItStale() throws {
        let memory = try AnonymousMemory(length: 2 * chunk)
        memory.fill(0x5A)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        try #require(madvise(memory.baseAddress + pageSize, pageSize, MADV_FREE) == 0)
        memory.fill(0x6B, range: pageSize..<(2 * pageSize))
        do {
            try mirror.ensureCoherent(pageSize..<(2 * pageSize), timeout: .seconds(5))
        } catch {
            Issue.record("after MADV_FREE the chunk did not become coherent within 5 s: \(error)")
            return
        }
        let seen = try path.read(region, offset: pageSize, length: pageSize)
        #expect(seen.allSatisfy { $0 == 0x6B }, "the NIC read \(ByteSummary(seen)) where the CPU wrote 0x6B")
        usleep(UInt32(ChunkTable.settle.components.seconds) * 1_000_000 + 200_000)
        _ = try path.read(region, offset: pageSize, length: pageSize)
        #expect(mirror.statistics.zapsNeverSeen == 1, "\(mirror.statistics.zapsNeverSeen) zaps never seen")
        #expect(mirror.statistics.orphansRepinned == 0)
        withExtendedLifetime(memory) {}
    }

    /// Item 11: a chunk replaced while a posted work request (a RECV) still uses its region keeps that
    /// region pinned. Re-pinning the chunk beyond `RLIMIT_MEMLOCK` is refused by odpkit naming the
    /// replaced region that still holds memory; once the RECV completes, the next use deregisters the
    /// old region (the kernel lists one region per chunk again) and re-pins.
    @Test func aReplacedRegionStillInUseIsNamedWhenTheMemlockLimitRefusesARepin() throws {
        let memory = try AnonymousMemory(length: 2 * chunk)
        memory.fill(0x5A)
        let mirror = try MirrorRegion(pd: path.pd, address: memory.baseAddress, length: memory.length, chunkSize: chunk, refresh: .onUse)
        defer { try? mirror.close() }
        let completions = try CompletionQueue(context: path.context)
        let sender = try QueuePair(pd: path.pd, sendQueue: completions, receiveQueue: completions)
        let receiver = try QueuePair(pd: path.pd, sendQueue: completions, receiveQueue: completions)
        defer { try? sender.close(); try? receiver.close(); try? completions.close() }
        try sender.connect(to: receiver)
        let regionsOfThisPath = { try KernelResources.held(inContextOf: self.path.stagingRegion.lkey).count { $0.kind == .memoryRegion } }
        #expect(try regionsOfThisPath() == 3, "the staging region and one per chunk")

        let old = try #require(try mirror.segments(offset: 0, length: pageSize).first)
        try receiver.postReceive(into: old.memoryRegion, length: pageSize, id: 1)
        #expect(madvise(memory.baseAddress, pageSize, MADV_DONTNEED) == 0)
        let refused = try withMemoryLockLimit(64 * 1024) {
            #expect(throws: ODPKitError.self) { try mirror.segments(offset: 0, length: pageSize) }
        }
        #expect(refused?.code == .memoryLockLimit, "\(String(describing: refused))")
        #expect(refused?.reason.contains("1 replaced chunk region(s) of this mirror (\(chunk) bytes) stay pinned") == true, "\(String(describing: refused))")
        #expect(try regionsOfThisPath() == 3, "the replaced region is still registered; no new one was")

        let source = try #require(try mirror.segments(offset: chunk, length: 64).first)
        try sender.postSend(from: source.memoryRegion, length: 64, id: 2)
        let ids = Set([try completions.next().id, try completions.next().id])
        #expect(ids == [1, 2])
        _ = try mirror.segments(offset: 0, length: pageSize)
        #expect(try regionsOfThisPath() == 3, "the replaced region was deregistered once its RECV completed")
        #expect(memory.bytes[0] == 0 && memory.bytes[pageSize] == 0x5A)
    }
}

/// The second chunk of a mirror region replaced by pages userfaultfd cannot watch for it.
private struct Replaced {
    private let name: String
    private let file: Int32
    private let other: (memory: AnonymousMemory, mirror: MirrorRegion)?

    init(_ replacement: MirrorHoleTests.Replacement, over memory: AnonymousMemory, at offset: Int, pd: ProtectionDomain) throws {
        let length = memory.length - offset
        switch replacement {
        case .privateFileMapping:
            // /var/tmp: a disk file system on the host, the host's root over 9p in the testbed; not tmpfs,
            // whose files are shmem (which userfaultfd takes). Unlinked in close(): 9p refuses ftruncate
            // on an unlinked file.
            name = "/var/tmp/odpkit-mirror-private-\(getpid())"
            file = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            other = nil
            try #require(file >= 0, "open \(name): errno \(errno)")
            try #require(ftruncate(file, off_t(length)) == 0, "ftruncate \(name): errno \(errno)")
            _ = try system_mmap(length: length, flags: MAP_PRIVATE | MAP_FIXED, descriptor: file, at: memory.baseAddress + offset)
        case .pagesOfAnotherMirror:
            name = ""
            file = -1
            let pages = try AnonymousMemory(length: length)
            pages.fill(0xA5)
            let mirror = try MirrorRegion(pd: pd, address: pages.baseAddress, length: length, chunkSize: length)
            other = (pages, mirror)
            try memory.takePages(of: pages, onto: offset)
        case .sharedMapping:
            name = ""
            file = -1
            other = nil
            _ = try system_mmap(length: length, flags: MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, descriptor: -1, at: memory.baseAddress + offset)
        }
    }

    func close() {
        if file >= 0 {
            Glibc.close(file)
            unlink(name)
        }
        try? other?.mirror.close()
    }
}

/// A call on a thread of its own, which a test waits for with a deadline: a call that hangs in the
/// kernel fails the test instead of the run.
private final class BoundedCall: Sendable {
    private let result = Mutex<Int32?>(nil)

    init(_ body: @escaping @Sendable () -> Int32) {
        let thread = Thread { [self] in
            let value = body()
            result.withLock { $0 = value }
        }
        thread.start()
    }

    /// The call's result once it returned within `timeout`, else nil.
    func wait(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let value = result.withLock({ $0 }) { return value }
            usleep(1000)
        }
        return result.withLock { $0 }
    }
}
