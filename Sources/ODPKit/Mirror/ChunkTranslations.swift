import Verbs
import Synchronization
import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// The NIC side of a mirror region: every chunk's memory region, and the user-space fault that
/// re-establishes an invalidated chunk (read-begin, pin, read-retry). Runs on the threads that use the
/// region and on its eager refresher, never on the monitor thread.
///
/// A chunk is re-established in place with `ibv_rereg_mr(IBV_REREG_MR_CHANGE_TRANSLATION)` where the
/// device can (keys kept), else with a new memory region (new keys; the old one is deregistered once no
/// posted work request uses it). All registering and deregistering happens under one lock.
final class ChunkTranslations: @unchecked Sendable {
    let pd: ProtectionDomain
    let address: UnsafeMutableRawPointer
    let access: AccessFlags
    let table: ChunkTable
    let monitor: UserFaultMonitor
    /// Set by `close()` first: waits give up and refreshes stop.
    let closing = Atomic<Bool>(false)
    let measures = Mutex(MirrorStatistics())
    private let regions: Mutex<Regions>

    private struct Regions: ~Copyable {
        var current: [Pinned?]
        /// Replaced regions that posted work requests still used when they were replaced.
        var retired: [Pinned] = []
        /// Whether the device changes a translation in place; nil until the first re-fault asks it.
        var changesInPlace: Bool?
    }

    /// A chunk's memory region; only touched while `regions` is held, whichever thread holds it.
    private struct Pinned: @unchecked Sendable {
        let region: MemoryRegion
    }

    private enum PinOutcome {
        case committed
        /// An invalidation came while pinning (read-retry failed).
        case raced
        /// Another thread re-established the chunk, or invalidated it again, while this one waited.
        case superseded
    }

    init(pd: ProtectionDomain, address: UnsafeMutableRawPointer, access: AccessFlags, table: ChunkTable, monitor: UserFaultMonitor) {
        self.pd = pd
        self.address = address
        self.access = access
        self.table = table
        self.monitor = monitor
        regions = Mutex(Regions(current: Array(repeating: nil, count: table.chunkCount)))
    }

    private var closedError: ODPKitError {
        ODPKitError(.closed, function: "odpkit mirror", reason: "the mirror region was closed")
    }

    /// What every use throws once the monitor thread has stopped on a failure (it unregistered the
    /// range on its way out): no change to the CPU's page tables reaches the region any more.
    var deadMonitorError: ODPKitError? {
        monitor.failure.map { failure in
            ODPKitError(failure.code, function: "odpkit mirror", errno: failure.errno,
                        reason: "the userfaultfd monitor stopped (\(failure)): the mirror no longer hears the CPU's changes, so none of its chunks can be trusted; close the region")
        }
    }

    /// Sets `closing` once no chunk is being pinned: after it, no refresh registers the range again.
    func beginClosing() {
        regions.withLock { _ in closing.store(true, ordering: .releasing) }
    }

    /// Re-establishes every chunk overlapping the byte range `range` whose translation was invalidated.
    ///
    /// First a barrier: the kernel lets a munmap/madvise/mremap caller go on as soon as the monitor has
    /// read its event, before the handler applied it; so wait until every event read is applied.
    /// A monitor that stopped on a failure fails the use, before and after: events it missed are lost.
    ///
    /// Then the suspect pages of those chunks are probed (`MirrorEvents.probeSuspects`): a REMOVE whose
    /// zap was not seen when its chunk was pinned has zapped by the time its `madvise` returned, so a use
    /// after that finds the orphan and the chunk is pinned again.
    func ensureCoherent(_ range: Range<Int>, deadline: ContinuousClock.Instant) throws(ODPKitError) {
        try awaitEventsApplied(deadline: deadline)
        let chunks = table.chunks(overlapping: table.base + UInt(range.lowerBound), table.base + UInt(range.upperBound))
        try probeSuspects(chunks, deadline: deadline)
        for index in chunks {
            try refresh(index, deadline: deadline)
        }
        if let error = deadMonitorError { throw error }
    }

    /// Probes the suspect pages of `chunks` until none answers that the mm is changing.
    private func probeSuspects(_ chunks: Range<Int>, deadline: ContinuousClock.Instant) throws(ODPKitError) {
        var cursor = chunks.lowerBound
        // Most uses find no suspect: the buffer is allocated only once one is found.
        guard table.firstSuspectChunk(in: chunks) != nil else { return }
        let buffer = UnsafeMutableBufferPointer<UInt>.allocate(capacity: table.pagesPerChunk)
        defer { buffer.deallocate() }
        while let index = table.firstSuspectChunk(in: cursor..<chunks.upperBound) {
            while true {
                let count = table.suspectPages(in: index..<(index + 1), into: buffer)
                if count == 0 || !MirrorEvents.probeSuspects(UnsafeBufferPointer(rebasing: buffer[..<count]), fd: monitor.fd, table: table).unsettled { break }
                guard ContinuousClock.now < deadline else {
                    throw ODPKitError(.timedOut, function: "odpkit mirror", reason: "probing pages whose zap was not seen: the address space kept changing (UFFDIO_ZEROPAGE: EAGAIN)")
                }
                sched_yield()
            }
            cursor = index + 1
        }
    }

    /// The barrier: waits until the monitor has applied every event it had read when called (the
    /// kernel lets a munmap/madvise/mremap caller go on as soon as its event is read). A monitor that
    /// stopped on a failure fails it: events it missed are lost.
    func awaitEventsApplied(deadline: ContinuousClock.Instant) throws(ODPKitError) {
        if let error = deadMonitorError { throw error }
        let read = monitor.eventsRead
        while table.appliedEvents.load(ordering: .acquiring) < read {
            guard !closing.load(ordering: .acquiring) else { throw closedError }
            guard ContinuousClock.now < deadline else {
                throw ODPKitError(.timedOut, function: "odpkit mirror", reason: "the monitor has not applied the events it read")
            }
            sched_yield()
        }
    }

    /// Whether the monitor has applied every event it has read: the barrier, without waiting.
    var eventsApplied: Bool {
        let read = monitor.eventsRead
        return table.appliedEvents.load(ordering: .acquiring) >= read
    }

    /// The eager refresher's turn: re-establishes every stale chunk; a chunk that cannot be pinned now
    /// (its range unmapped, say) stays stale for the next use, which reports why. Nothing is refreshed
    /// once the monitor has died.
    func refreshStale() {
        guard monitor.failure == nil else { return }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var cursor = 0
        while let index = table.firstStaleChunk(from: cursor) {
            guard !closing.load(ordering: .acquiring) else { return }
            do throws(ODPKitError) {
                try refresh(index, deadline: deadline)
            } catch {
                measures.withLock { $0.eagerFailures += 1 }
            }
            cursor = index + 1
        }
    }

    private func refresh(_ index: Int, deadline: ContinuousClock.Instant) throws(ODPKitError) {
        while true {
            guard !closing.load(ordering: .acquiring) else { throw closedError }
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
                switch try pin(index, sequence: sequence, remapped: remapped) {
                case .committed:
                    return
                case .raced:
                    measures.withLock { $0.retries += 1 }
                case .superseded:
                    break
                }
                // Changes to the chunk's pages that keep coming faster than a re-pin would hold the caller here for as long as they come.
                guard ContinuousClock.now < deadline else {
                    throw ODPKitError(.timedOut, function: "odpkit mirror refresh",
                                      reason: "chunk \(index) was invalidated again during every re-pin until the deadline: its pages kept changing faster than it could be pinned")
                }
            }
        }
    }

    /// Pins chunk `index` for `sequence` under the lock: in place where the device can, else anew.
    /// A re-fault is recorded before the lock is released, so a use that went through `segments()`
    /// (which takes the lock) finds it counted.
    ///
    /// A chunk whose range munmap or mremap unregistered is registered again first. Where that fails
    /// (a private file mapping placed over it, pages moved in from another mirror region), no event
    /// would tell of the pages' next change: the chunk is pinned all the same (a failed pin, nothing
    /// mapped, says more), then not committed, and the registration's error is thrown.
    private func pin(_ index: Int, sequence: UInt64, remapped: Bool) throws(ODPKitError) -> PinOutcome {
        let bytes = table.bytes(ofChunk: index)
        let start = address + bytes.lowerBound
        return try regions.withLock { (regions: inout Regions) throws(ODPKitError) -> PinOutcome in
            let started = ContinuousClock.now
            guard !closing.load(ordering: .acquiring) else { throw closedError }
            guard table.beginRefresh(index) == .pin(sequence: sequence, remapped: remapped) else { return .superseded }
            let unwatched = remapped ? registerAgain(index, AddressRange(start: UInt(bitPattern: start), length: bytes.count)) : nil
            retireIdle(&regions)
            if regions.changesInPlace != false, let old = regions.current[index], old.region.inFlight == 0 {
                var changed = false
                do throws(ODPKitError) {
                    try old.region.changeTranslation()
                    regions.changesInPlace = true
                    changed = true
                } catch where error.code == .unsupported {
                    regions.changesInPlace = false
                    measures.withLock { $0.inPlaceUnsupported = error.description }
                }
                if changed {
                    if let unwatched { throw unwatched }
                    switch table.commitRefresh(index, sequence: sequence) {
                    case .committed(let window):
                        measures.withLock { $0.recordRefault(ContinuousClock.now - started, window: window, inPlace: true) }
                        return .committed
                    case .retry:
                        return .raced
                    }
                }
            }
            if let old = regions.current[index] {
                regions.current[index] = nil
                regions.retired.append(old)
                retireIdle(&regions)
            }
            try checkMemoryLock(index, bytes: bytes.count, retired: regions.retired)
            let region = Pinned(region: try pd.registerMemory(address: start, length: bytes.count, access: access))
            if let unwatched {
                regions.retired.append(region)
                retireIdle(&regions)
                throw unwatched
            }
            switch table.commitRefresh(index, sequence: sequence) {
            case .committed(let window):
                regions.current[index] = region
                measures.withLock { $0.recordRefault(ContinuousClock.now - started, window: window, inPlace: false) }
                return .committed
            case .retry:
                regions.retired.append(region)
                retireIdle(&regions)
                return .raced
            }
        }
    }

    /// Registers chunk `index`'s range with the monitor's userfaultfd again (munmap and mremap took its
    /// registration with the old mapping); the error, worded for the chunk, when the kernel refuses.
    private func registerAgain(_ index: Int, _ range: AddressRange) -> ODPKitError? {
        do throws(ODPKitError) {
            // A shared mapping placed over the chunk would register, but its truncation sends no event.
            try MirrorRegion.refuseSharedMappings(range.start, range.start + UInt(range.length))
            try monitor.fd.register(range, mode: .missing)
            return nil
        } catch {
            return ODPKitError(error.code, function: error.function, errno: error.errno,
                               reason: "chunk \(index) cannot be watched again after its mapping changed, so it is not used: \(error.reason)")
        }
    }

    /// Refuses to pin chunk `index` anew beyond `RLIMIT_MEMLOCK`, naming the replaced regions that posted
    /// work requests still hold: they stay pinned, so the kernel counts them, and its own refusal (ENOMEM)
    /// would not say why a region that fit at creation no longer does.
    private func checkMemoryLock(_ index: Int, bytes: Int, retired: [Pinned]) throws(ODPKitError) {
        let limit = MemoryLockLimit.current
        guard let pinned = PinnedPages.current(), !limit.allows(bytes, alreadyPinned: pinned) else { return }
        let retiredBytes = retired.reduce(0) { $0 + $1.region.length }
        throw ODPKitError(.memoryLockLimit, function: "odpkit mirror",
                          reason: "pinning chunk \(index) again (\(bytes) bytes) on top of \(pinned) bytes already pinned exceeds RLIMIT_MEMLOCK (\(limit)); \(retired.count) replaced chunk region(s) of this mirror (\(retiredBytes) bytes) stay pinned until the work requests posted on them complete: complete them, raise the limit with `ulimit -l`, or grant CAP_IPC_LOCK")
    }

    /// Deregisters retired chunk regions that no posted work request uses any more.
    private func retireIdle(_ regions: inout Regions) {
        regions.retired.removeAll { pinned in (try? pinned.region.close()) != nil }
    }

    /// The segments covering `length` bytes from `offset`, one per chunk, nil once closed. A chunk
    /// invalidated since the last refresh keeps its old region until the next one.
    func segments(offset: Int, length: Int) -> [RegionSegment]? {
        regions.withLock { regions in
            var segments: [RegionSegment] = []
            var position = offset
            while position < offset + length {
                let index = position / table.chunkSize
                let chunk = table.bytes(ofChunk: index)
                let end = min(offset + length, chunk.upperBound)
                guard let region = regions.current[index]?.region else { return nil }
                segments.append(RegionSegment(memoryRegion: region, offset: position, length: end - position, offsetInMemoryRegion: position - chunk.lowerBound))
                position = end
            }
            return segments
        }
    }

    /// Whether `region` is a chunk's region now, not one a re-pin has retired (or none of this mirror's).
    func isCurrent(_ region: MemoryRegion) -> Bool {
        regions.withLock { regions in regions.current.contains { $0?.region === region } }
    }

    /// The keys a remote peer needs now, after the barrier: a chunk invalidated since its translation
    /// was made has none (nil), and the generation has moved with the invalidation.
    func keyTable(deadline: ContinuousClock.Instant) throws(ODPKitError) -> MirrorKeyTable {
        try awaitEventsApplied(deadline: deadline)
        let (generation, valid) = table.validity()
        return regions.withLock { regions in
            MirrorKeyTable(generation: generation, chunkSize: table.chunkSize, base: UInt64(UInt(bitPattern: address)),
                           chunks: zip(regions.current, valid).map { pinned, valid in
                               valid ? pinned.map { MirrorKeyTable.Key(lkey: $0.region.lkey, rkey: $0.region.rkey) } : nil
                           })
        }
    }

    /// Deregisters every chunk region, current and retired; the first failure is thrown after all were tried.
    func closeAll() throws(ODPKitError) {
        let all: [Pinned] = regions.withLock { regions in
            let all = regions.current.compactMap { $0 } + regions.retired
            regions.current = regions.current.map { _ in nil }
            regions.retired = []
            return all
        }
        var firstError: ODPKitError?
        for pinned in all {
            do { try pinned.region.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}
