import Synchronization

/// The user-space interval notifier of a mirror region: per chunk, a sequence number that every
/// invalidation bumps, whether the NIC's translation is valid for the current sequence, which pages
/// still wait for the kernel to zap them, and whether the range is mapped at all.
///
/// A successful `UFFDIO_ZEROPAGE` proves that some zap happened, not that every outstanding REMOVE's
/// did: per page the table counts the REMOVE events whose zap it has not seen. A page whose count is
/// above zero once it no longer waits is a suspect: the chunk is pinned, and the page is probed (at each
/// use and on the monitor's idle turns) until the late zap shows (the pinned page is an orphan: the chunk
/// is invalidated) or `settle` has passed since the chunk's last REMOVE with the page still present
/// (no zap came: `MADV_FREE`, or a caller that found its range gone). A page still present `grace`
/// after its REMOVE stops being waited for.
///
/// The monitor thread calls `invalidate` and `markPopulated`; the thread that re-establishes a chunk
/// calls `beginRefresh` and `commitRefresh`, the read-begin / retry pair: a refresh whose sequence moved
/// while it pinned is thrown away, so an invalidation that races with it is never lost.
/// Everything is behind one `Mutex`, allocated whole at creation; the cost of an invalidation grows
/// with the pages it touches.
final class ChunkTable: Sendable {
    /// Why a range was invalidated (the userfaultfd event that said so).
    enum Cause: Sendable {
        /// `madvise(MADV_DONTNEED/REMOVE)`: delivered before the pages are zapped; they come back as zeros.
        case remove
        /// `munmap`, or the source of `mremap`: the range is no longer mapped.
        case unmap
    }

    /// What a refresher may do with a chunk now.
    enum Readiness: Equatable, Sendable {
        /// The translation is valid for the current sequence; nothing to do.
        case valid
        /// Pin it now; commit with this sequence.
        case pin(sequence: UInt64, remapped: Bool)
        /// Pages of the chunk are still mapped to the old frames (the zap has not happened yet): wait.
        case waitForZap
    }

    /// A chunk's state apart from its pages (which live in the table's page sets).
    private struct Chunk {
        var sequence: UInt64 = 0
        var valid = false
        var mapped = true
        var invalidatedAt: ContinuousClock.Instant?
        var lastRemoveAt: ContinuousClock.Instant?
    }

    /// Everything behind the lock. It is allocated whole at creation: no method allocates while
    /// holding the lock (an application thread that did could be waiting on a malloc arena lock held
    /// by a thread whose madvise waits for the monitor, which would wait on this lock).
    private struct State {
        var chunks: [Chunk]
        /// Per page (index from `base`): whether it waits for the kernel's zap.
        var pendingPages: FixedBitSet
        /// Per page, the REMOVE events whose zap has not been seen (an absent page seen counts one).
        var unseenZaps: [UInt32]
        /// Per page: whether `unseenZaps` is above zero, so the probes cost what is suspect.
        var suspectPages: FixedBitSet
        /// The chunks with pages waiting for the zap, so the monitor's idle pass costs what is pending.
        var pendingChunks: FixedBitSet
        /// The chunks whose translation is not valid, so an eager refresher's pass costs what is stale.
        var staleChunks: FixedBitSet
        /// The chunks with suspect pages.
        var suspectChunks: FixedBitSet
        var generation: UInt64 = 0
        var invalidations = 0
        var orphans = 0
        var zapsNeverSeen = 0

        init(chunkCount: Int, pageCount: Int) {
            chunks = Array(repeating: Chunk(), count: chunkCount)
            pendingPages = FixedBitSet(capacity: pageCount)
            unseenZaps = Array(repeating: 0, count: pageCount)
            suspectPages = FixedBitSet(capacity: pageCount)
            pendingChunks = FixedBitSet(capacity: chunkCount)
            staleChunks = FixedBitSet(capacity: chunkCount)
            staleChunks.insert(0..<chunkCount)
            suspectChunks = FixedBitSet(capacity: chunkCount)
        }
    }

    /// A run of contiguous pages: its first page's address and its length in bytes.
    struct Run: Equatable, Sendable {
        var start: UInt
        var length: Int
    }

    /// Userfaultfd events the monitor has applied to this table (a barrier for users; see `MirrorRegion`).
    let appliedEvents = Atomic<Int>(0)

    /// How long a page present after its REMOVE is waited for before the chunk is pinned all the same.
    static let grace = Duration.milliseconds(50)
    /// How long after a chunk's last REMOVE a suspect page is probed before its zap is taken as never coming.
    static let settle = Duration.seconds(1)

    let base: UInt
    let length: Int
    let chunkSize: Int
    let pageSize: Int
    private let state: Mutex<State>

    init(base: UInt, length: Int, chunkSize: Int, pageSize: Int) {
        precondition(chunkSize % pageSize == 0 && length > 0 && base % UInt(pageSize) == 0)
        self.base = base
        self.length = length
        self.chunkSize = chunkSize
        self.pageSize = pageSize
        chunkCount = (length + chunkSize - 1) / chunkSize
        pagesPerChunk = chunkSize / pageSize
        state = Mutex(State(chunkCount: chunkCount, pageCount: (length + pageSize - 1) / pageSize))
    }

    let chunkCount: Int
    let pagesPerChunk: Int

    /// The page indices (from `base`) of chunk `index`.
    private func pages(ofChunk index: Int) -> Range<Int> {
        (index * pagesPerChunk)..<min((length + pageSize - 1) / pageSize, (index + 1) * pagesPerChunk)
    }

    /// The byte range of chunk `index` relative to `base`.
    func bytes(ofChunk index: Int) -> Range<Int> {
        (index * chunkSize)..<min(length, (index + 1) * chunkSize)
    }

    /// The chunks that overlap `start..<end` (absolute addresses), empty when it misses the region.
    func chunks(overlapping start: UInt, _ end: UInt) -> Range<Int> {
        let low = max(start, base), high = min(end, base + UInt(length))
        guard low < high else { return 0..<0 }
        return Int(low - base) / chunkSize..<(Int(high - base - 1) / chunkSize + 1)
    }

    /// Bumps the sequence of every chunk overlapping `start..<end` and drops its translation; returns
    /// the chunks touched. For `.remove` the pages join the set that waits for the kernel's zap.
    @discardableResult
    func invalidate(_ start: UInt, _ end: UInt, cause: Cause, at now: ContinuousClock.Instant = .now) -> Range<Int> {
        let touched = chunks(overlapping: start, end)
        guard !touched.isEmpty else { return touched }
        let firstPage = Int(max(start, base) - base) / pageSize
        let endPage = (Int(min(end, base + UInt(length)) - base) + pageSize - 1) / pageSize
        state.withLock { state in
            state.invalidations += 1
            for index in touched {
                Self.drop(index, &state, at: now)
                let chunkPages = pages(ofChunk: index)
                let pages = max(firstPage, chunkPages.lowerBound)..<min(endPage, chunkPages.upperBound)
                switch cause {
                case .remove:
                    state.pendingPages.insert(pages)
                    state.suspectPages.insert(pages)
                    for page in pages { state.unseenZaps[page] &+= 1 }
                    state.chunks[index].lastRemoveAt = now
                case .unmap:
                    state.chunks[index].mapped = false
                    state.pendingPages.remove(pages)
                    state.suspectPages.remove(pages)
                    for page in pages { state.unseenZaps[page] = 0 }
                }
                updateSets(index, &state)
            }
        }
        return touched
    }

    /// Bumps chunk `index`'s sequence and drops its translation; the generation moves, so a peer comparing
    /// generations sees it now.
    private static func drop(_ index: Int, _ state: inout State, at now: ContinuousClock.Instant) {
        state.generation &+= 1
        state.chunks[index].sequence &+= 1
        state.chunks[index].valid = false
        state.staleChunks.insert(index)
        if state.chunks[index].invalidatedAt == nil { state.chunks[index].invalidatedAt = now }
    }

    /// Keeps `pendingChunks` and `suspectChunks` in step with chunk `index`'s pages.
    private func updateSets(_ index: Int, _ state: inout State) {
        let pages = pages(ofChunk: index)
        if state.pendingPages.intersects(pages) {
            state.pendingChunks.insert(index)
        } else {
            state.pendingChunks.remove(index)
        }
        if state.suspectPages.intersects(pages) {
            state.suspectChunks.insert(index)
        } else {
            state.suspectChunks.remove(index)
        }
    }

    /// Writes into `runs` the runs of contiguous pages that wait for the kernel's zap, none longer than
    /// a chunk, in address order, as many as fit; returns how many. What the monitor populates, one
    /// ioctl per run, from a buffer it allocated beforehand.
    func pendingRuns(into runs: UnsafeMutableBufferPointer<Run>) -> Int {
        state.withLock { state in
            var written = 0
            var chunk = state.pendingChunks.first(from: 0)
            while let index = chunk, written < runs.count {
                let pages = pages(ofChunk: index)
                var cursor = pages.lowerBound
                while written < runs.count, let first = state.pendingPages.first(in: cursor..<pages.upperBound) {
                    var end = first + 1
                    while end < pages.upperBound && state.pendingPages.contains(end) { end += 1 }
                    runs[written] = Run(start: base + UInt(first * pageSize), length: (end - first) * pageSize)
                    written += 1
                    cursor = end
                }
                chunk = state.pendingChunks.first(from: index + 1)
            }
            return written
        }
    }

    /// The pages of `length` bytes at `address` were found absent and now hold zero pages (their old
    /// frames are gone): each counts one zap seen. A chunk whose translation is valid had its pinned
    /// page zapped after the pin (an orphan): it is invalidated. Returns whether one was.
    @discardableResult
    func markPopulated(_ address: UInt, length: Int = 1, at now: ContinuousClock.Instant = .now) -> Bool {
        guard length > 0, address >= base, address < base + UInt(self.length) else { return false }
        let first = Int(address - base) / pageSize
        let end = min(self.length, Int(address - base) + length + pageSize - 1) / pageSize
        return state.withLock { state in
            var orphaned = false
            for page in first..<max(first + 1, end) {
                let index = page / pagesPerChunk
                let wasPending = state.pendingPages.remove(page)
                let unseen = state.unseenZaps[page]
                if unseen > 0 {
                    state.unseenZaps[page] = unseen - 1
                    if unseen == 1 { state.suspectPages.remove(page) }
                }
                if state.chunks[index].valid {
                    state.orphans += 1
                    Self.drop(index, &state, at: now)
                    orphaned = true
                } else if unseen > 0 && !wasPending {
                    // A suspect's zap came while the chunk may be being pinned: that pin must not commit.
                    Self.drop(index, &state, at: now)
                }
                updateSets(index, &state)
            }
            return orphaned
        }
    }

    /// Page `address` waits for its zap but is still present: after `grace` since the chunk's last
    /// REMOVE it is no longer waited for (it stays a suspect). Returns whether it was given up on.
    @discardableResult
    func stillPresent(pending address: UInt, at now: ContinuousClock.Instant = .now) -> Bool {
        guard let (index, page) = locate(address) else { return false }
        return state.withLock { state in
            guard let removed = state.chunks[index].lastRemoveAt, now - removed >= Self.grace,
                  state.pendingPages.remove(page) else { return false }
            updateSets(index, &state)
            return true
        }
    }

    /// Suspect page `address` was probed and is present: after `settle` since the chunk's last REMOVE
    /// its zap is taken as never coming.
    func stillPresent(suspect address: UInt, at now: ContinuousClock.Instant = .now) {
        guard let (index, page) = locate(address) else { return }
        state.withLock { state in
            guard let removed = state.chunks[index].lastRemoveAt, now - removed >= Self.settle,
                  state.suspectPages.remove(page) else { return }
            state.unseenZaps[page] = 0
            state.zapsNeverSeen += 1
            updateSets(index, &state)
        }
    }

    /// Writes into `pages` the suspect pages (absolute addresses) of the chunks `chunks` (all when nil),
    /// as many as fit: pages no longer waited for whose zap has not been seen. Returns how many.
    func suspectPages(in chunks: Range<Int>? = nil, into pages: UnsafeMutableBufferPointer<UInt>) -> Int {
        state.withLock { state in
            var written = 0
            let chunks = chunks ?? 0..<chunkCount
            var chunk = state.suspectChunks.first(in: chunks)
            while let index = chunk, written < pages.count {
                let range = self.pages(ofChunk: index)
                var cursor = range.lowerBound
                while written < pages.count, let page = state.suspectPages.first(in: cursor..<range.upperBound) {
                    if !state.pendingPages.contains(page) {
                        pages[written] = base + UInt(page * pageSize)
                        written += 1
                    }
                    cursor = page + 1
                }
                chunk = state.suspectChunks.first(in: (index + 1)..<chunks.upperBound)
            }
            return written
        }
    }

    /// The first chunk in `chunks` with suspect pages, nil when there is none.
    func firstSuspectChunk(in chunks: Range<Int>) -> Int? {
        state.withLock { $0.suspectChunks.first(in: chunks) }
    }

    /// The chunk and page index of `address`, nil outside the region.
    private func locate(_ address: UInt) -> (chunk: Int, page: Int)? {
        guard address >= base, address < base + UInt(length) else { return nil }
        let page = Int(address - base) / pageSize
        return (page / pagesPerChunk, page)
    }

    /// Read-begin: what a refresher may do with chunk `index` now.
    func beginRefresh(_ index: Int) -> Readiness {
        state.withLock { state in
            let chunk = state.chunks[index]
            if chunk.valid { return .valid }
            if state.pendingChunks.contains(index) { return .waitForZap }
            return .pin(sequence: chunk.sequence, remapped: !chunk.mapped)
        }
    }

    /// The outcome of a read-retry.
    enum Commit: Equatable, Sendable {
        /// The translation is valid; `window` is first invalidation → now (nil for a first registration).
        case committed(window: Duration?)
        /// An invalidation came while pinning: throw the new translation away and refresh again.
        case retry
    }

    /// Read-retry: makes the chunk's new translation valid if no invalidation came since `sequence`.
    func commitRefresh(_ index: Int, sequence: UInt64, at now: ContinuousClock.Instant = .now) -> Commit {
        state.withLock { state in
            guard state.chunks[index].sequence == sequence, !state.pendingChunks.contains(index) else { return .retry }
            state.chunks[index].valid = true
            state.chunks[index].mapped = true
            state.staleChunks.remove(index)
            state.generation &+= 1
            let window = state.chunks[index].invalidatedAt.map { now - $0 }
            state.chunks[index].invalidatedAt = nil
            return .committed(window: window)
        }
    }

    /// The first chunk at or after `index` whose translation is not valid now, nil when there is none.
    func firstStaleChunk(from index: Int) -> Int? {
        state.withLock { $0.staleChunks.first(from: index) }
    }

    /// Bumped whenever a chunk's translation (and so its keys) is invalidated or made anew: peers compare
    /// it to their copy.
    var generation: UInt64 { state.withLock { $0.generation } }
    /// The generation and, per chunk, whether its translation is valid, read together.
    func validity() -> (generation: UInt64, valid: [Bool]) {
        var valid = [Bool](repeating: false, count: chunkCount)
        let generation = state.withLock { state in
            for index in valid.indices { valid[index] = state.chunks[index].valid }
            return state.generation
        }
        return (generation, valid)
    }
    /// How many invalidation events touched the region.
    var invalidations: Int { state.withLock { $0.invalidations } }
    /// Pinned pages found zapped after their chunk was committed (the chunk was invalidated), and
    /// suspect pages whose zap was taken as never coming.
    var zapCounts: (orphans: Int, neverSeen: Int) { state.withLock { ($0.orphans, $0.zapsNeverSeen) } }
    /// Whether every chunk overlapping the byte range `range` is valid now.
    func isValid(_ range: Range<Int>) -> Bool {
        let touched = chunks(overlapping: base + UInt(range.lowerBound), base + UInt(range.upperBound))
        return state.withLock { state in touched.allSatisfy { state.chunks[$0].valid } }
    }
}
