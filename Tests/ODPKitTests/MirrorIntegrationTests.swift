import Testing
import TestSupport
import Verbs
@testable import ODPKit
@testable import ODPKitBench

#if canImport(Glibc)
import Glibc
#endif

/// The mirror-emulated mode on an RDMA device (rxe0 inside the testbed), beside pinned and ODP.
@Suite("rxe integration: mirror", .serialized, .enabled(if: RXE.present, "no RDMA device: run inside the testbed (make test does)"))
final class MirrorIntegrationTests {
    let path: LoopbackPath

    init() throws {
        path = try LoopbackPath()
    }

    deinit {
        try? path.close()
    }

    static let cases: [(RegistrationMode, MappingChange)] = RegistrationMode.allCases.flatMap { mode in MappingChange.coherenceChanges.map { (mode, $0) } }

    /// Pinned keeps the old pages after every invalidation; ODP and the mirror serve what the CPU sees.
    @Test(arguments: cases)
    func nicReadsWhatTheCPUSees(mode: RegistrationMode, invalidation: MappingChange) throws {
        let seen = try CoherenceCheck.run(mode, invalidation, access: .read, on: path)
        #expect(seen.pagesReadBefore == seen.pages, "\(seen)")
        if mode == .pinned {
            #expect(seen.stalePages == seen.pages, "\(seen)")
        } else {
            #expect(seen.coherent, "\(seen)")
        }
    }

    @Test func mirrorWriteAfterDontNeedLandsWhereTheCPULooks() throws {
        let seen = try CoherenceCheck.run(.mirror, .dontNeed, access: .write, on: path)
        #expect(seen.coherent, "\(seen)")
    }

    /// Counted on a region refreshed on use, so nothing re-faults before the read.
    @Test func mirrorCountsAndTimesItsInvalidations() throws {
        let memory = try AnonymousMemory(length: 8 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory, mirrorRefresh: .onUse)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        let keys = try mirror.keyTable()
        #expect(mirror.statistics.invalidations == 0)
        try memory.dropPages(0..<pageSize)
        _ = try path.read(region, length: memory.length)
        let statistics = mirror.statistics
        #expect(statistics.invalidations == 1)
        #expect(statistics.invalidationWindow.totalCount >= 1)
        #expect(statistics.refaults == 1, "one chunk re-established after the invalidation")
        #expect(statistics.refaultTime.totalCount == 1)
        #expect((try mirror.keyTable()).generation > keys.generation)
        #expect((try mirror.keyTable()).chunks.first??.rkey != keys.chunks.first??.rkey, "a re-registered chunk has new keys")
    }

    /// With eager refresh the window closes without any use of the region from this process: a peer
    /// that fetches the key table afterwards reads the CPU's new bytes.
    @Test func eagerRefreshMakesTheRegionCoherentForAPeerWithoutALocalUse() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        #expect(mirror.refresh == .eager)
        let generation = try mirror.keyTable().generation
        try memory.dropPages(0..<pageSize)
        try RetiredKeyRecovery.waitForRefresh(of: mirror, after: generation)

        let peer = try PeerReader(path)
        defer { peer.close() }
        let address = UInt64(UInt(bitPattern: memory.baseAddress))
        let rkey = try #require((try mirror.keyTable()).rkey(for: address))
        let seen = try peer.read(RemoteBuffer(address: address, rkey: rkey, length: pageSize))
        #expect(seen.allSatisfy { $0 == 0 }, "the peer read the old page: \(ByteSummary(seen))")
        let statistics = mirror.statistics
        #expect(statistics.refaults == 1)
        #expect(statistics.invalidationWindow.totalCount == 1)
        #expect(statistics.eagerFailures == 0)
    }

    /// Right after `madvise` returns, the region must not call itself coherent with the keys it had
    /// before: the kernel releases the caller once the monitor has read the event, maybe before the
    /// handler applied it. Over many drops, every time `isCoherent` says yes the key table has moved
    /// on (the chunk was re-established), and a key table fetched then holds no key from before.
    @Test func rightAfterTheDropTheRegionNeverReportsTheOldKeysValid() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        let rounds = 300
        var oldKeysValid = 0, sawInvalid = 0
        for _ in 0..<rounds {
            try mirror.waitUntilCoherent(0..<memory.length)
            let before = try mirror.keyTable()
            try memory.dropPages(0..<pageSize)
            let coherent = mirror.isCoherent(0..<pageSize)
            let after = try mirror.keyTable()
            if coherent && after.chunks.first == before.chunks.first { oldKeysValid += 1 }
            if !coherent { sawInvalid += 1 }
            #expect(after.generation > before.generation || after.chunks.first == nil || after.chunks.first != before.chunks.first,
                    "the key table fetched after the drop still offers the old key as current")
            memory.fill(0x5C, range: 0..<pageSize)
        }
        #expect(oldKeysValid == 0, "isCoherent said yes with the old keys in \(oldKeysValid) of \(rounds) drops")
        #expect(sawInvalid > 0, "in no drop was the window seen open: the check could not have failed")
    }

    /// With refresh on use, the chunk stays stale (its old region registered) until this process uses it.
    @Test func onUseRefreshLeavesTheWindowOpenUntilTheNextUse() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory, mirrorRefresh: .onUse)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        try memory.dropPages(0..<pageSize)
        usleep(300_000)
        #expect(!mirror.isCoherent(0..<pageSize))
        #expect(mirror.statistics.refaults == 0)
        let seen = try path.read(region, length: pageSize)
        #expect(seen.allSatisfy { $0 == 0 }, "\(ByteSummary(seen))")
        #expect(mirror.isCoherent(0..<pageSize))
        #expect(mirror.statistics.refaults == 1)
    }

    /// `ibv_rereg_mr(IBV_REREG_MR_CHANGE_TRANSLATION)` where the device has it (keys kept); rxe answers
    /// EOPNOTSUPP, and the mirror then re-faults with a new memory region and says why.
    @Test func aReFaultChangesTheTranslationInPlaceOrRegistersANewRegion() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let plain = try path.pd.registerMemory(address: memory.baseAddress, length: memory.length, access: .readWrite)
        defer { try? plain.close() }
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try MirrorRegion.of(region)
        try memory.dropPages(0..<pageSize)
        _ = try path.read(region, length: pageSize)
        let statistics = mirror.statistics
        do {
            try plain.changeTranslation()
            #expect(statistics.changedInPlace == 1 && statistics.reregistered == 0, "\(statistics.changedInPlace) in place, \(statistics.reregistered) new")
            #expect(statistics.inPlaceUnsupported == nil)
        } catch {
            #expect(error.code == .unsupported && error.errno == .notSupported, "\(error)")
            #expect(!plain.isClosed, "a refused change leaves the region registered")
            #expect(statistics.changedInPlace == 0 && statistics.reregistered == 1, "\(statistics.changedInPlace) in place, \(statistics.reregistered) new")
            #expect(statistics.inPlaceUnsupported?.contains("EOPNOTSUPP") == true, "\(String(describing: statistics.inPlaceUnsupported))")
        }
    }

    /// A peer that reads with a retired key gets a remote access error that moves both queue pairs to
    /// the error state; resetting and reconnecting them and fetching the key table again recovers, and
    /// the READ then returns what the CPU holds.
    @Test func aPeerRecoversFromARetiredKey() throws {
        let results = ProbeResults(expectedSamples: 5)
        let result = try RetiredKeyRecovery.run(samples: 5, on: path, into: results)
        #expect(result.samples == 5)
        #expect(result.status == .remoteAccessError, "\(String(describing: result.status))")
        #expect(result.peerStateAfterError == .error)
        #expect(result.mismatches == 0)
        let cells = Dictionary(uniqueKeysWithValues: results.cells.map { ($0.key, $0) })
        for key in [RetiredKeyRecovery.errorCell, RetiredKeyRecovery.recoveryCell, RetiredKeyRecovery.reconnectCell] {
            #expect(cells[key]?.summary.samples == 5 && cells[key]?.failures == 0, "\(key.summary)")
        }
    }

    /// userfaultfd's missing mode takes anonymous, shmem and hugetlbfs memory only: a mirror of a
    /// private file-backed mapping (here a file on the root file system) is refused, naming the ioctl.
    @Test func aFileBackedRangeCannotBeMirrored() throws {
        let name = ".build/odpkit-mirror-file-\(getpid())"
        let descriptor = open(name, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(name) }
        try #require(ftruncate(descriptor, off_t(4 * pageSize)) == 0)
        let mapping = try #require(mmap(nil, 4 * pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, 4 * pageSize) }
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(.mirror, pd: self.path.pd, address: mapping, length: 4 * pageSize)
        }
        #expect(error?.function.contains("UFFDIO_REGISTER") == true, "\(String(describing: error))")
        #expect(error?.errno == .invalidArgument)
    }

    /// A shared mapping can be truncated or punched through a descriptor without a userfaultfd event:
    /// the mirror refuses one at registration, naming the mapping, before it opens a userfaultfd.
    @Test func aSharedMappingIsRefused() throws {
        let length = 4 * pageSize
        let shared = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))
        try #require(shared != MAP_FAILED)
        defer { munmap(shared, length) }
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(.mirror, pd: self.path.pd, address: shared, length: length)
        }
        #expect(error?.code == .sharedMapping && error?.reason.contains("is a shared mapping") == true, "\(String(describing: error))")
        // Pinned and ODP take it.
        for mode in [RegistrationMode.pinned, .odp] {
            try RegisteredRegion(mode, pd: path.pd, address: shared, length: length).close()
        }
    }
}

/// A second queue pair that reads a region the way a remote peer would: with an rkey, not through odpkit.
/// Two queue pairs, as a remote peer and the region's side: on one looped-back queue pair a responder
/// error would flush the request before its NAK arrives.
struct PeerReader {
    let cq: CompletionQueue
    let peer: QueuePair
    let regionSide: QueuePair
    let staging: AnonymousMemory
    let sink: MemoryRegion

    init(_ path: LoopbackPath) throws {
        cq = try CompletionQueue(context: path.context)
        peer = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        regionSide = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        try peer.connect(to: regionSide)
        staging = try AnonymousMemory(length: pageSize)
        sink = try path.pd.registerMemory(address: staging.baseAddress, length: staging.length, access: .readWrite)
    }

    func read(_ remote: RemoteBuffer) throws -> [UInt8] {
        staging.fill(0xEE)
        try peer.postRead(into: sink, length: remote.length, from: remote, id: 1)
        try cq.next().requireSuccess("peer RDMA READ")
        return Array(staging.bytes[0..<remote.length])
    }

    func close() {
        try? peer.close()
        try? regionSide.close()
        try? sink.close()
        try? cq.close()
    }
}
