import ODPKit

#if canImport(Glibc)
import Glibc
#endif

/// A changer thread of the soak: until the deadline, it claims a random run of 1...`largestChange` pages,
/// changes their mapping (`madvise(MADV_DONTNEED)`, `mmap(MAP_FIXED)` over them, or `mremap(MREMAP_FIXED)`
/// of a spare mapping onto them), and leaves each page zeros or, as the CPU's latest write, a new
/// epoch's stamp (for `mremap`, written into the spare before the move) before it releases them.
struct SoakChanger {
    let memory: AnonymousMemory
    let checker: SoakChecker
    let ledger: SoakLedger
    let changes: [MappingChange]
    let largestChange: Int

    /// Changes runs of pages until `deadline`; `name` says which thread in what it reports. A change that
    /// fails stops every thread and keeps its pages claimed: nothing may touch pages in an unknown state.
    func run(until deadline: SoakDeadline, name: String) -> SoakCounts {
        var counts = SoakCounts()
        var random = SystemRandomNumberGenerator()
        let largest = min(largestChange, ledger.pageCount)
        while !deadline.hasPassed() {
            let count = Int.random(in: 1...largest, using: &random)
            let first = Int.random(in: 0...(ledger.pageCount - count), using: &random)
            let pages = first..<(first + count)
            guard ledger.claim(pages) != nil else {
                sched_yield()
                continue
            }
            let change = changes[Int.random(in: changes.indices, using: &random)]
            let contents = pages.map { _ in Bool.random(using: &random) ? PageContent.stamp(epoch: ledger.nextEpoch()) : .zeros }
            do {
                try apply(change, to: pages, leaving: contents)
            } catch {
                counts.stoppedThreads.append("\(name): \(change) of pages \(pages) failed, so their content is unknown and every thread stopped: \(error)")
                deadline.stop()
                return counts
            }
            counts.recordChange(change, pages: count)
            ledger.release(pages, holding: contents)
        }
        return counts
    }

    /// Makes `change` to `pages`, which then hold `contents`.
    private func apply(_ change: MappingChange, to pages: Range<Int>, leaving contents: [PageContent]) throws(ODPKitError) {
        let pageSize = checker.pageSize
        let bytes = (pages.lowerBound * pageSize)..<(pages.upperBound * pageSize)
        switch change {
        case .dontNeed:
            try memory.dropPages(bytes)
        case .mapOver:
            try memory.replaceWithFreshMapping(bytes)
        case .remapOnto:
            let spare = try AnonymousMemory(length: bytes.count)
            for (index, (page, content)) in zip(pages, contents).enumerated() where content != .zeros {
                content.write(page: page, into: UnsafeMutableRawBufferPointer(start: spare.baseAddress + index * pageSize, count: checker.checkedBytes))
            }
            try memory.takePages(of: spare, onto: bytes.lowerBound)
            return
        case .unmap:
            throw ODPKitError(.unsupported, function: "odpkit soak", reason: "munmap leaves no bytes for the CPU to write and compare")
        }
        for (page, content) in zip(pages, contents) where content != .zeros { checker.store(content, page: page) }
    }
}

/// Each changer runs on a thread of its own; the memory they share is only ever changed in runs of
/// pages the changing thread claimed (`SoakLedger`), and never unmapped while they run.
extension SoakChanger: @unchecked Sendable {}
