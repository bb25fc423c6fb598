public import Verbs
public import UserFault

#if canImport(Glibc)
import Glibc
#endif

/// A mirror-emulated region: an HMM mirror in user space. The range is cut into chunks, each its own
/// pinned memory region; a userfaultfd monitor hears every change to the CPU's page tables (madvise,
/// munmap, mremap), bumps the touched chunks' sequence numbers and drops their translation; an eager
/// refresher thread (or, with `.onUse`, the next use of the chunk through odpkit) pins it again.
///
/// Threads: the monitor thread never calls a verb (pinning a missing-mode range from it would wait on
/// itself) and takes no lock a thread blocked in munmap/madvise could hold; it only wakes the refresher.
/// Until a chunk is re-established its old memory region stays registered: a remote peer's access
/// during the window sees the old pages (and after it, a retired key fails with a remote access error).
/// No event tells of a new mapping: after munmap, the chunk is re-established by the next use after
/// the range is mapped again.
public final class MirrorRegion: @unchecked Sendable {
    /// When an invalidated chunk is pinned again.
    public enum Refresh: String, Sendable, CaseIterable {
        /// As soon as the monitor has applied the event, on the region's refresher thread.
        case eager
        /// On the next use of the chunk through odpkit (a work request posted from this process).
        case onUse
    }

    public let pd: ProtectionDomain
    public let address: UnsafeMutableRawPointer
    public let length: Int
    public let chunkSize: Int
    public let access: AccessFlags
    public let refresh: Refresh

    /// 256 KiB.
    public static let defaultChunkSize = 1 << 18

    /// The userfaultfd events a mirror region needs: `madvise`, `munmap` and `mremap` of its range.
    ///
    /// No fork events: glibc's fork() holds malloc's locks while the kernel waits for the monitor to
    /// read the event, so a handler that allocates would deadlock against it. Without them the child
    /// simply loses the registration; copy-on-fork keeps the parent's pinned pages its own.
    public static let userFaultFeatures: UserFaultFD.Features = [.eventRemove, .eventUnmap, .eventRemap]

    let table: ChunkTable
    private let translations: ChunkTranslations
    let monitor: UserFaultMonitor
    private let refresher: WorkerThread?

    /// Mirrors `length` bytes at `address` (page-aligned) in chunks of `chunkSize` bytes.
    ///
    /// A smaller chunk makes one page's invalidation cheaper (one chunk is re-pinned) and the first
    /// registration dearer (one memory region per chunk): 256 KiB is 4096 regions for 1 GiB.
    public init(pd: ProtectionDomain, address: UnsafeMutableRawPointer, length: Int, chunkSize: Int = MirrorRegion.defaultChunkSize,
                access: AccessFlags = .readWrite, refresh: Refresh = .eager) throws(ODPKitError) {
        let base = UInt(bitPattern: address)
        guard length > 0, base % UInt(pageSize) == 0, chunkSize > 0, chunkSize % pageSize == 0 else {
            throw ODPKitError(.invalidArgument, function: "odpkit mirror", reason: "a mirror region needs a page-aligned address, a length above zero and a chunk size that is a multiple of \(pageSize)")
        }
        try Self.checkDeviceLimits(pd.context.attributes, length: length, chunkSize: chunkSize, device: pd.context.deviceName)
        try Self.refuseSharedMappings(base, base + UInt(length))
        self.pd = pd
        self.address = address
        self.length = length
        self.chunkSize = chunkSize
        // Pinning must break copy-on-write of the zero page: the chunk regions are always locally writable.
        self.access = access.union(.localWrite)
        self.refresh = refresh
        let table = ChunkTable(base: base, length: length, chunkSize: chunkSize, pageSize: pageSize)
        self.table = table
        let fd = try UserFaultFD()
        let needed = Self.userFaultFeatures
        let handshake = try fd.handshake(requesting: needed)
        guard handshake.granted.isSuperset(of: needed) else {
            throw ODPKitError(.unsupported, function: "UFFDIO_API", reason: "the kernel did not grant \(needed.subtracting(handshake.granted)); a mirror region cannot hear those changes")
        }
        let range = AddressRange(start: base, length: length)
        let ioctls = try fd.register(range, mode: .missing)
        // Missing faults are resolved with zero pages; hugetlbfs offers no UFFDIO_ZEROPAGE, and a fault
        // left unresolved would be retried forever.
        guard ioctls.contains(.zeroPage) else {
            throw ODPKitError(.unsupported, function: "ioctl(UFFDIO_REGISTER)",
                              reason: "the range offers no UFFDIO_ZEROPAGE (hugetlbfs): a mirror region could not resolve its missing faults")
        }
        // The refresher exists before the monitor, which wakes it; it reaches the translations, made
        // after the monitor, through this box (set before any event can wake it).
        let box = TranslationsBox()
        let refresher = refresh == .eager ? try WorkerThread("mirror refresher") { box.translations?.refreshStale() } : nil
        // The monitor unregisters the range when it stops or fails: a forked child's copy of the
        // descriptor outlives close(), and nothing must wait on a dead monitor.
        monitor = try UserFaultMonitor(fd: fd, watching: [range], idleInterval: .milliseconds(10)) { event, fd in
            let invalidated = MirrorEvents.handle(event, fd: fd, table: table)
            table.appliedEvents.add(1, ordering: .releasing)
            if invalidated { refresher?.wake() }
        } onIdle: { [buffers = MonitorBuffers()] fd in
            if MirrorEvents.populatePending(fd: fd, table: table, buffers: buffers) { refresher?.wake() }
        }
        translations = ChunkTranslations(pd: pd, address: address, access: self.access, table: table, monitor: monitor)
        box.translations = translations
        self.refresher = refresher
        try translations.ensureCoherent(0..<length, deadline: .now.advanced(by: .seconds(60)))
    }

    deinit {
        try? close()
    }

    /// Refuses a range with a shared mapping in it (shmem, memfd, `MAP_SHARED | MAP_ANONYMOUS`): its
    /// pages can be truncated or punched through a descriptor, and userfaultfd reports neither, so the
    /// mirror would keep the old pages pinned while the CPU sees new ones.
    static func refuseSharedMappings(_ start: UInt, _ end: UInt) throws(ODPKitError) {
        guard let shared = try ProcessMapping.overlapping(start, end).first(where: \.shared) else { return }
        // The kernel names shared anonymous memory `/dev/zero (deleted)`.
        let what = shared.path.isEmpty || shared.path.hasPrefix("/dev/zero") ? "shared anonymous memory" : shared.path
        throw ODPKitError(.sharedMapping, function: "odpkit mirror",
                          reason: "0x\(String(shared.start, radix: 16))-0x\(String(shared.end, radix: 16)) is a shared mapping (\(what)): truncating or punching it sends no userfaultfd event, so a mirror would go stale; register it pinned or ODP")
    }

    /// Refuses a region the device cannot hold: one memory region per chunk, plus one while a chunk is
    /// re-registered, must fit `max_mr`, and a chunk must fit `max_mr_size`.
    public static func checkDeviceLimits(_ attributes: DeviceAttributes, length: Int, chunkSize: Int, device: String) throws(ODPKitError) {
        let chunks = (length + chunkSize - 1) / chunkSize
        guard chunks < attributes.maxMemoryRegions else {
            throw ODPKitError(.unsupported, function: "odpkit mirror",
                              reason: "\(length) bytes in chunks of \(chunkSize) need \(chunks) memory regions (+1 while one is re-registered), and \(device) holds at most \(attributes.maxMemoryRegions) (max_mr); mirror less, or use a larger chunk size")
        }
        guard UInt64(chunkSize) <= attributes.maxMemoryRegionSize else {
            throw ODPKitError(.unsupported, function: "odpkit mirror",
                              reason: "a chunk of \(chunkSize) bytes exceeds \(device)'s largest memory region (max_mr_size \(attributes.maxMemoryRegionSize) bytes); use a smaller chunk size")
        }
    }

    /// Re-establishes every chunk overlapping the byte range `range` whose translation was invalidated
    /// (what a use does before posting; with `.eager` it usually finds nothing left to do).
    public func ensureCoherent(_ range: Range<Int>, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        try translations.ensureCoherent(range, deadline: .now.advanced(by: timeout))
    }

    /// Whether every chunk overlapping the byte range `range` has a valid translation now, without
    /// refreshing anything: what a remote peer would find. False while the monitor has read an event
    /// it has not applied yet (the kernel lets the caller of `madvise` go on once the event is read),
    /// and never once the monitor has died.
    public func isCoherent(_ range: Range<Int>) -> Bool {
        monitor.failure == nil && translations.eventsApplied && table.isValid(range)
    }

    /// Waits (yielding) until `isCoherent(range)`, without refreshing anything itself: how long a
    /// remote peer waits for the eager refresher. Throws `.timedOut` after `timeout`, and the monitor's
    /// failure once it has died.
    public func waitUntilCoherent(_ range: Range<Int>, timeout: Duration = .seconds(10)) throws(ODPKitError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        try translations.awaitEventsApplied(deadline: deadline)
        while !table.isValid(range) {
            if let error = translations.deadMonitorError { throw error }
            guard ContinuousClock.now < deadline else {
                throw ODPKitError(.timedOut, function: "odpkit mirror", reason: "bytes \(range) did not become coherent within \(timeout) (refresh \(refresh))")
            }
            sched_yield()
        }
    }

    /// The segments covering `length` bytes from `offset`, one per chunk, each refreshed first.
    public func segments(offset: Int, length: Int) throws(ODPKitError) -> [RegionSegment] {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while true {
            try translations.ensureCoherent(offset..<(offset + length), deadline: deadline)
            if let segments = translations.segments(offset: offset, length: length) { return segments }
            // A chunk without a region: the region was closed, or another thread's re-pin has retired the
            // chunk's region since the refresh and not committed a new one yet; then refresh again.
            guard !translations.closing.load(ordering: .acquiring) else {
                throw ODPKitError(.closed, function: "odpkit mirror segments", reason: "the mirror region was closed")
            }
            guard ContinuousClock.now < deadline else {
                throw ODPKitError(.timedOut, function: "odpkit mirror segments", reason: "bytes \(offset)..<\(offset + length) had a chunk without a memory region until the deadline: other threads kept re-pinning it")
            }
        }
    }

    /// Whether `region`, from a segment this mirror handed out, is still its chunk's region: false once a
    /// re-pin has retired it (and with it its keys).
    package func isCurrent(_ region: MemoryRegion) -> Bool {
        translations.isCurrent(region)
    }

    /// The keys a remote peer needs, with the generation that moves whenever one of them is invalidated
    /// or replaced; an invalidated chunk has no key until it is re-established. Waits first (at most
    /// `timeout`) until the monitor has applied every event it has read.
    public func keyTable(timeout: Duration = .seconds(10)) throws(ODPKitError) -> MirrorKeyTable {
        try translations.keyTable(deadline: .now.advanced(by: timeout))
    }

    /// The mirror of `region`; throws `.invalidArgument` for a pinned or ODP region.
    public static func of(_ region: RegisteredRegion) throws(ODPKitError) -> MirrorRegion {
        guard let mirror = region.mirror else {
            throw ODPKitError(.invalidArgument, function: "odpkit mirror", reason: "a \(region.mode) region has no mirror")
        }
        return mirror
    }

    /// What the region measured of itself so far.
    public var statistics: MirrorStatistics {
        var copy = translations.measures.withLock { $0 }
        copy.invalidations = table.invalidations
        (copy.orphansRepinned, copy.zapsNeverSeen) = table.zapCounts
        return copy
    }

    /// Stops the refresher, then the monitor, which unregisters the range before it closes the
    /// userfaultfd (a forked child's copy of the descriptor keeps no munmap or madvise of the range
    /// waiting), then deregisters every chunk; throws the first failure once all of it was done.
    /// A second call does nothing.
    public func close() throws(ODPKitError) {
        translations.beginClosing()
        refresher?.shutdown()
        var firstError: ODPKitError?
        do { try monitor.shutdown() } catch { firstError = error }
        do { try translations.closeAll() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }
}

/// Hands the refresher thread the translations that are made after it.
private final class TranslationsBox: @unchecked Sendable {
    /// Written once, before the monitor can hear the first event; read by the refresher afterwards.
    var translations: ChunkTranslations?
}

extension ODPKitError.Code {
    /// A mirror region refused a shared mapping in its range (`MirrorRegion.refuseSharedMappings`).
    public static let sharedMapping = ODPKitError.Code(name: "shared-mapping")
}
