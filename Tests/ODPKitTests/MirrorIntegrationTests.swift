import Testing
import Verbs
@testable import ODPKit

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

    static let cases: [(RegistrationMode, Invalidation)] = RegistrationMode.allCases.flatMap { mode in Invalidation.allCases.map { (mode, $0) } }

    /// Pinned keeps the old pages after every invalidation; ODP and the mirror serve what the CPU sees.
    @Test(arguments: cases)
    func nicReadsWhatTheCPUSees(mode: RegistrationMode, invalidation: Invalidation) throws {
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

    @Test func mirrorCountsAndTimesItsInvalidations() throws {
        let memory = try AnonymousMemory(length: 8 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try #require(region.mirror)
        let keys = mirror.keyTable
        #expect(mirror.statistics.invalidations == 0)
        try memory.dropPages(0..<pageSize)
        _ = try path.read(region, length: memory.length)
        let statistics = mirror.statistics
        #expect(statistics.invalidations == 1)
        #expect(statistics.invalidationWindow.totalCount >= 1)
        #expect(statistics.refaults == 1, "one chunk re-established after the invalidation")
        #expect(statistics.refaultTime.totalCount == 1)
        #expect(mirror.keyTable.generation > keys.generation)
        #expect(mirror.keyTable.chunks.first??.rkey != keys.chunks.first??.rkey, "a re-registered chunk has new keys")
    }

    @Test func aPeerUsingARetiredKeyGetsARemoteAccessError() throws {
        let memory = try AnonymousMemory(length: 4 * pageSize)
        CoherenceCheck.cpuPattern.fill(memory.bytes)
        let region = try path.register(.mirror, memory)
        defer { try? region.close() }
        let mirror = try #require(region.mirror)
        let retired = try #require(mirror.keyTable.chunks.first ?? nil)
        try memory.dropPages()
        try mirror.ensureCoherent(0..<memory.length)
        #expect(mirror.keyTable.rkey(for: mirror.keyTable.base) != retired.rkey)

        // Two queue pairs, as a remote peer and the region's side: on one looped-back queue pair the
        // responder's error would flush the request before its NAK arrives.
        let cq = try CompletionQueue(context: path.context)
        let peer = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        let local = try QueuePair(pd: path.pd, sendQueue: cq, receiveQueue: cq)
        defer { try? peer.close(); try? local.close(); try? cq.close() }
        try peer.connect(to: local)
        let staging = try AnonymousMemory(length: pageSize)
        let sink = try path.pd.registerMemory(address: staging.baseAddress, length: staging.length, access: .readWrite)
        let stale = RemoteBuffer(address: UInt64(UInt(bitPattern: memory.baseAddress)), rkey: retired.rkey, length: pageSize)
        try peer.postRead(into: sink, length: pageSize, from: stale, id: 7)
        let completion = try cq.next()
        #expect(completion.status == .remoteAccessError, "\(completion)")
        try peer.close()
        try sink.close()
    }

    /// userfaultfd's missing mode takes anonymous, shmem and hugetlbfs memory only: a mirror of a
    /// file-backed mapping (here a file on the root file system) is refused, naming the ioctl.
    @Test func aFileBackedRangeCannotBeMirrored() throws {
        let name = ".build/odpkit-mirror-file-\(getpid())"
        let descriptor = open(name, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(name) }
        try #require(ftruncate(descriptor, off_t(4 * pageSize)) == 0)
        let mapping = try #require(mmap(nil, 4 * pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, 4 * pageSize) }
        let error = #expect(throws: ODPKitError.self) {
            try RegisteredRegion(.mirror, pd: self.path.pd, address: mapping, length: 4 * pageSize)
        }
        #expect(error?.function.contains("UFFDIO_REGISTER") == true, "\(String(describing: error))")
        #expect(error?.errno == .invalidArgument)
    }
}
