public import Verbs
import Synchronization
import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// A mirror-emulated region: an HMM mirror in user space. The range is cut into chunks, each its own
/// pinned memory region; a userfaultfd monitor hears every change to the CPU's page tables (madvise,
/// munmap, mremap, fork), bumps the touched chunks' sequence numbers and drops their translation, and
/// the next use of a chunk (a work request posted through odpkit) or an eager refresh pins it again.
///
/// Threads: the monitor thread never calls a verb (pinning a missing-mode range from it would wait on
/// itself) and takes no lock a thread blocked in munmap/madvise could hold. All deregistering and
/// registering happens under `refreshing`, on the thread that uses the region or the refresher thread.
/// Until a chunk is refreshed its old memory region stays registered: a remote peer's access during the
/// window sees the old pages (and after it, a retired key fails with a remote access error).
public final class MirrorRegion: @unchecked Sendable {
    public let pd: ProtectionDomain
    public let address: UnsafeMutableRawPointer
    public let length: Int
    public let chunkSize: Int
    public let access: AccessFlags

    /// 256 KiB.
    public static let defaultChunkSize = 1 << 18

    let table: ChunkTable
    /// Chunk memory regions, current and retired-but-busy, touched only while `refreshing` is held.
    private let refreshing: Mutex<Translations>
    private let measures = Mutex(MirrorStatistics())
    private let monitor: UserFaultMonitor

    struct Translations: ~Copyable {
        var current: [Pinned?]
        var retired: [Pinned] = []
    }

    /// A chunk's memory region; only touched while `refreshing` is held, whichever thread holds it.
    struct Pinned: @unchecked Sendable {
        let region: MemoryRegion
    }

    /// Mirrors `length` bytes at `address` (page-aligned) in chunks of `chunkSize` bytes.
    ///
    /// A smaller chunk makes one page's invalidation cheaper (one chunk is re-pinned) and the first
    /// registration dearer (one memory region per chunk): 256 KiB is 4096 regions for 1 GiB.
    public init(pd: ProtectionDomain, address: UnsafeMutableRawPointer, length: Int, chunkSize: Int = MirrorRegion.defaultChunkSize, access: AccessFlags = .readWrite) throws(ODPKitError) {
        let base = UInt(bitPattern: address)
        guard length > 0, base % UInt(pageSize) == 0, chunkSize > 0, chunkSize % pageSize == 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit mirror", reason: "a mirror region needs a page-aligned address, a length above zero and a chunk size that is a multiple of \(pageSize)")
        }
        self.pd = pd
        self.address = address
        self.length = length
        self.chunkSize = chunkSize
        // Pinning must break copy-on-write of the zero page: the chunk regions are always locally writable.
        self.access = access.union(.localWrite)
        table = ChunkTable(base: base, length: length, chunkSize: chunkSize, pageSize: pageSize)
        refreshing = Mutex(Translations(current: Array(repeating: nil, count: table.chunkCount)))
        let fd = try UserFaultFD()
        // No fork events: glibc's fork() holds malloc's locks while the kernel waits for the monitor to
        // read the event, so a handler that allocates would deadlock against it. Without them the child
        // simply loses the registration; copy-on-fork keeps the parent's pinned pages its own.
        let handshake = try fd.handshake(requesting: [.eventRemove, .eventUnmap, .eventRemap])
        let needed: UserFaultFD.Features = [.eventRemove, .eventUnmap, .eventRemap]
        guard handshake.granted.isSuperset(of: needed) else {
            throw ODPKitError(.unsupported, function: "UFFDIO_API", reason: "the kernel did not grant \(needed.subtracting(handshake.granted)); a mirror region cannot hear those changes")
        }
        _ = try fd.register(AddressRange(start: base, length: length), mode: .missing)
        let table = self.table
        monitor = try UserFaultMonitor(fd: fd, idleInterval: .milliseconds(10)) { event, fd in
            MirrorRegion.handle(event, fd: fd, table: table)
            table.appliedEvents.add(1, ordering: .releasing)
        } onIdle: { fd in
            MirrorRegion.populatePending(fd: fd, table: table)
        }
        try ensureCoherent(0..<length)
    }

    deinit {
        try? close()
    }

    // MARK: The monitor thread

    /// Applies one userfaultfd event; runs on the monitor thread and calls no verb.
    static func handle(_ event: UserFaultEvent, fd: UserFaultFD, table: ChunkTable) {
        switch event {
        case .remove(let start, let end):
            table.invalidate(start, end, cause: .remove)
            populatePending(fd: fd, table: table)
        case .unmap(let start, let end):
            table.invalidate(start, end, cause: .unmap)
        case .remap(let from, _, let length):
            table.invalidate(from, from + UInt(length), cause: .unmap)
        case .pageFault(let address, _, _, _, _):
            resolveMissing(page: address & ~UInt(pageSize - 1), fd: fd, table: table)
        case .fork(let child):
            // Not requested (see init); a descriptor handed over anyway is not mirrored.
            try? child.close()
        }
    }

    /// Populates the pages that waited for the kernel's zap with zero pages, one ioctl per run:
    /// `.exists` means the first page still holds its old frame (skipped this turn), `.retry` that the
    /// mm is changing or only part was mapped; what is left is tried again on the next idle turn.
    static func populatePending(fd: UserFaultFD, table: ChunkTable) {
        for run in table.pendingRuns(limit: 1024) {
            var cursor = run.start
            let end = run.start + UInt(run.length)
            while cursor < end {
                switch (try? fd.zeroPage(AddressRange(start: cursor, length: Int(end - cursor)))) ?? .retry(completedBytes: 0) {
                case .resolved(let bytes):
                    table.markPopulated(cursor, length: bytes)
                    cursor += UInt(max(bytes, pageSize))
                case .retry(let completed) where completed > 0:
                    table.markPopulated(cursor, length: completed)
                    cursor += UInt(completed)
                case .retry:
                    return
                case .exists:
                    cursor += UInt(pageSize)
                }
            }
        }
    }

    /// A thread touched a page of the range that is not mapped: give it a zero page.
    static func resolveMissing(page: UInt, fd: UserFaultFD, table: ChunkTable) {
        let range = AddressRange(start: page, length: pageSize)
        switch (try? fd.zeroPage(range)) ?? .exists {
        case .resolved:
            table.markPopulated(page)
        case .exists, .retry:
            // The kernel wakes nobody after EEXIST or EAGAIN: wake the thread so it retries its access,
            // and faults again if the page is still missing.
            try? fd.wake(range)
        }
    }

    // MARK: Refreshing (user-space faults)

    /// Re-establishes every chunk overlapping the byte range `range` whose translation was invalidated.
    ///
    /// First a barrier: the kernel lets a munmap/madvise/mremap caller go on as soon as the monitor has
    /// read its event, before the handler applied it; so wait until every event read is applied.
    public func ensureCoherent(_ range: Range<Int>, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let read = monitor.counters.events
        while table.appliedEvents.load(ordering: .acquiring) < read {
            guard ContinuousClock.now < deadline else {
                throw ODPKitError(.timedOut, function: "odpkit mirror refresh", reason: "the monitor has not applied the events it read")
            }
            sched_yield()
        }
        let chunks = table.chunks(overlapping: table.base + UInt(range.lowerBound), table.base + UInt(range.upperBound))
        for index in chunks {
            try refresh(index, deadline: deadline)
        }
    }

    private func refresh(_ index: Int, deadline: ContinuousClock.Instant) throws(ODPKitError) {
        while true {
            switch table.beginRefresh(index) {
            case .valid:
                return
            case .waitForZap:
                guard ContinuousClock.now < deadline else {
                    throw ODPKitError(.timedOut, function: "odpkit mirror refresh", reason: "chunk \(index) still waits for the kernel to zap its old pages")
                }
                monitor.wake()
                sched_yield()
            case .pin(let sequence, let remapped):
                let started = ContinuousClock.now
                let bytes = table.bytes(ofChunk: index)
                let start = address + bytes.lowerBound
                if remapped {
                    // munmap/mremap took the range's userfaultfd registration with it; a new mapping needs it again.
                    _ = try? monitor.fd.register(AddressRange(start: UInt(bitPattern: start), length: bytes.count), mode: .missing)
                }
                let pd = self.pd, access = self.access
                let outcome: Result<ChunkTable.Commit, ODPKitError> = refreshing.withLock { translations in
                    retireIdle(&translations)
                    if let old = translations.current[index] {
                        translations.current[index] = nil
                        translations.retired.append(old)
                        retireIdle(&translations)
                    }
                    do throws(ODPKitError) {
                        let region = Pinned(region: try pd.registerMemory(address: start, length: bytes.count, access: access))
                        let commit = table.commitRefresh(index, sequence: sequence)
                        if commit == .retry {
                            translations.retired.append(region)
                            retireIdle(&translations)
                        } else {
                            translations.current[index] = region
                        }
                        return .success(commit)
                    } catch {
                        return .failure(error)
                    }
                }
                switch outcome {
                case .success(.committed(let window)):
                    let took = ContinuousClock.now - started
                    measures.withLock { $0.recordRefault(took, window: window) }
                    return
                case .success(.retry):
                    measures.withLock { $0.retries += 1 }
                case .failure(let error):
                    throw error
                }
            }
        }
    }

    /// Deregisters retired chunk regions that no posted work request uses any more.
    private func retireIdle(_ translations: inout Translations) {
        translations.retired.removeAll { pinned in (try? pinned.region.close()) != nil }
    }

    // MARK: Use

    /// The segments covering `length` bytes from `offset`, one per chunk, each refreshed first.
    public func segments(offset: Int, length: Int) throws(ODPKitError) -> [RegionSegment] {
        try ensureCoherent(offset..<(offset + length))
        let segments: [RegionSegment]? = refreshing.withLock { translations in
            var segments: [RegionSegment] = []
            var position = offset
            while position < offset + length {
                let index = position / chunkSize
                let chunk = table.bytes(ofChunk: index)
                let end = min(offset + length, chunk.upperBound)
                // A chunk invalidated since ensureCoherent keeps its old region until the next use.
                guard let region = translations.current[index]?.region else { return nil }
                segments.append(RegionSegment(memoryRegion: region, offset: position, length: end - position, offsetInMemoryRegion: position - chunk.lowerBound))
                position = end
            }
            return segments
        }
        guard let segments else {
            throw ODPKitError(.closed, function: "odpkit mirror segments", reason: "the mirror region was closed")
        }
        return segments
    }

    /// The keys a remote peer needs, with the generation that changes whenever one of them does.
    public var keyTable: MirrorKeyTable {
        let generation = table.generation
        return refreshing.withLock { translations in
            MirrorKeyTable(generation: generation, chunkSize: chunkSize, base: UInt64(UInt(bitPattern: address)), chunks: translations.current.map { region in
                region.map { MirrorKeyTable.Key(lkey: $0.region.lkey, rkey: $0.region.rkey) }
            })
        }
    }

    /// What the region measured of itself so far.
    public var statistics: MirrorStatistics {
        var copy = measures.withLock { $0 }
        copy.invalidations = table.invalidations
        return copy
    }

    /// Stops the monitor, then deregisters every chunk. A second call does nothing.
    public func close() throws(ODPKitError) {
        monitor.shutdown()
        let regions: [Pinned] = refreshing.withLock { translations in
            let all = translations.current.compactMap { $0 } + translations.retired
            translations.current = translations.current.map { _ in nil }
            translations.retired = []
            return all
        }
        var firstError: ODPKitError?
        for pinned in regions {
            do { try pinned.region.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}
