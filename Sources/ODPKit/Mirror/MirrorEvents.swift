import UserFault

/// What the monitor thread of a mirror region does with each userfaultfd event. It calls no verb:
/// pinning a missing-mode range from the monitor would wait on the monitor itself. It allocates
/// nothing either (the table is allocated at creation, the idle pass writes into `MonitorBuffers`): a
/// thread trimming its malloc heap with madvise holds an arena lock until the monitor has read its
/// event, so a monitor that called malloc meanwhile would deadlock against it.
enum MirrorEvents {
    /// Applies one event to `table`; returns whether it invalidated a translation.
    ///
    /// A REMOVE's pages are populated on the idle turn, once every event read is applied, not here: the
    /// callers of a batch's events are all released by its read, and a zero page mapped after their zaps
    /// while a later REMOVE of the batch was not yet counted would leave that page waiting for a zap
    /// that already happened.
    static func handle(_ event: UserFaultEvent, fd: UserFaultFD, table: ChunkTable) -> Bool {
        switch event {
        case .remove(let start, let end):
            return !table.invalidate(start, end, cause: .remove).isEmpty
        case .unmap(let start, let end):
            return !table.invalidate(start, end, cause: .unmap).isEmpty
        case .remap(let from, _, let length):
            return !table.invalidate(from, from + UInt(length), cause: .unmap).isEmpty
        case .pageFault(let address, _, _, _, _):
            // A missing page in a valid chunk is a pinned page zapped after its pin: the chunk is invalidated.
            return resolveMissing(page: address & ~UInt(table.pageSize - 1), fd: fd, table: table)
        case .fork(let child):
            // Not requested (see MirrorRegion.init); a descriptor handed over anyway is not mirrored.
            try? child.close()
            return false
        }
    }

    /// Populates the pages that waited for the kernel's zap with zero pages, one ioctl per run:
    /// `.exists` means the first page still holds its old frame (skipped this turn; given up on after
    /// `ChunkTable.grace`), `.retry` that the mm is changing or only part was mapped; what is left is
    /// tried again on the next idle turn. Then probes the suspect pages. Returns whether a chunk was
    /// invalidated (an orphan found).
    @discardableResult
    static func populatePending(fd: UserFaultFD, table: ChunkTable, buffers: MonitorBuffers) -> Bool {
        populateRuns(fd: fd, table: table, into: buffers.runs)
        let count = table.suspectPages(into: buffers.pages)
        return probeSuspects(UnsafeBufferPointer(rebasing: buffers.pages[..<count]), fd: fd, table: table).orphaned
    }

    private static func populateRuns(fd: UserFaultFD, table: ChunkTable, into runs: UnsafeMutableBufferPointer<ChunkTable.Run>) {
        for run in runs[..<table.pendingRuns(into: runs)] {
            var cursor = run.start
            let end = run.start + UInt(run.length)
            while cursor < end {
                switch zeroPages(AddressRange(start: cursor, length: Int(end - cursor)), fd: fd, pageSize: table.pageSize) ?? .retry(completedBytes: 0) {
                case .resolved(let bytes):
                    table.markPopulated(cursor, length: bytes)
                    cursor += UInt(max(bytes, table.pageSize))
                case .retry(let completed) where completed > 0:
                    table.markPopulated(cursor, length: completed)
                    cursor += UInt(completed)
                case .retry:
                    return
                case .exists:
                    table.stillPresent(pending: cursor)
                    cursor += UInt(table.pageSize)
                }
            }
        }
    }

    /// Probes each suspect page with a zero page of its own: found absent, its late zap has come (an
    /// orphan if its chunk was committed); present, it counts toward `ChunkTable.settle`. Callable from
    /// any thread. Returns whether a chunk was invalidated, and whether a page was left unprobed because
    /// the mm is changing (`.retry`).
    static func probeSuspects(_ pages: UnsafeBufferPointer<UInt>, fd: UserFaultFD, table: ChunkTable) -> (orphaned: Bool, unsettled: Bool) {
        var orphaned = false, unsettled = false
        for page in pages {
            var outcome = UserFaultFD.ResolveResult.exists
            if case .success(let result) = fd.zeroPageResult(AddressRange(start: page, length: table.pageSize)) { outcome = result }
            switch outcome {
            case .resolved, .retry(completedBytes: 1...):
                if table.markPopulated(page) { orphaned = true }
            case .exists:
                table.stillPresent(suspect: page)
            case .retry:
                unsettled = true
            }
        }
        return (orphaned, unsettled)
    }

    /// A thread touched a page of the range that is not mapped: give it, and the pages after it up to
    /// the end of its chunk, zero pages in one ioctl (the shared zero page costs no memory). Pinning a
    /// chunk of absent pages then takes one fault per run of absent pages instead of one per page; the
    /// ioctl stops at the first page that is present (`.exists`/`.retry` with the bytes done).
    @discardableResult
    static func resolveMissing(page: UInt, fd: UserFaultFD, table: ChunkTable) -> Bool {
        let chunks = table.chunks(overlapping: page, page + 1)
        let end = chunks.isEmpty ? page + UInt(table.pageSize) : table.base + UInt(table.bytes(ofChunk: chunks.lowerBound).upperBound)
        let range = AddressRange(start: page, length: Int(end - page))
        switch zeroPages(range, fd: fd, pageSize: table.pageSize) ?? .exists {
        case .resolved(let bytes):
            return table.markPopulated(page, length: bytes)
        case .retry(let completed) where completed > 0:
            let orphaned = table.markPopulated(page, length: completed)
            try? fd.wake(AddressRange(start: page, length: table.pageSize))
            return orphaned
        case .exists, .retry:
            // The kernel wakes nobody after EEXIST or EAGAIN: wake the thread so it retries its access,
            // and faults again if the page is still missing.
            try? fd.wake(AddressRange(start: page, length: table.pageSize))
            return false
        }
    }

    /// `UFFDIO_ZEROPAGE` over `range`, or over its first page alone when the kernel refuses the whole
    /// range: ENOENT when it crosses into another mapping, as munmap + mmap(MAP_FIXED) or mremap onto
    /// part of a registered range leaves it split in several. Nil when even the first page is refused.
    /// (Treating that refusal as "the page exists" woke the faulting thread into the same fault forever.)
    static func zeroPages(_ range: AddressRange, fd: UserFaultFD, pageSize: Int) -> UserFaultFD.ResolveResult? {
        if case .success(let result) = fd.zeroPageResult(range) { return result }
        guard range.length > pageSize else { return nil }
        if case .success(let result) = fd.zeroPageResult(AddressRange(start: range.start, length: pageSize)) { return result }
        return nil
    }
}
