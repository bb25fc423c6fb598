public import ODPKit
import ODPKitReport

/// NIC page-fault latency: the first RDMA READ and the first RDMA WRITE of `pages` pages the CPU has
/// dropped (`MADV_DONTNEED`), against the same access on present pages (the warm baseline); for ODP
/// also after `ibv_advise_mr` prefetch (waited for, and not), for the mirror its user-space re-fault
/// (refresh on use, so the access pays it as an ODP access pays the NIC's fault).
///
/// Each mode has its own region of `regionPages` pages; a sample drops a window of `pages` pages that
/// moves through the region, times the access, then writes the CPU's bytes back.
public enum FaultProbe {
    /// How an ODP access was prepared.

    public static func run(
        pageCounts: [Int], modes: [RegistrationMode], prefetch: Bool, budget: ProbeBudget, on path: LoopbackPath,
        into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) {
        let regionPages = pageCounts.max() ?? 1
        let setups = try ProbeRegion.perMode(modes, bytes: regionPages * pageSize, fill: 0x3C, mirrorRefresh: .onUse, on: path)
        defer { ProbeRegion.closeAll(setups) }
        for pages in pageCounts {
            for access in [NICAccess.read, .write] {
                progress("fault: first \(access == .read ? "READ" : "WRITE") of \(pages) dropped page(s)")
                let bytes = pages * pageSize
                let operation: CellOperation = access == .read ? .read : .write
                let slots = max(1, regionPages / pages)
                var cells = 0
                let plan = setups.map { setup in
                    let preparations: [CellConditions.Prefetch] = setup.mode == .odp && prefetch ? CellConditions.Prefetch.allCases : [.notIssued]
                    cells += 1 + preparations.count
                    return (setup: setup,
                            warm: results.recorder(CellKey(probe: .warm, mode: setup.mode, operation: operation, bytes: bytes, pages: pages,
                                                           conditions: CellConditions(pages: .present))),
                            faults: preparations.map { preparation in
                                (preparation, results.recorder(CellKey(probe: .fault, mode: setup.mode, operation: operation, bytes: bytes, pages: pages,
                                                                       conditions: CellConditions(pages: .absent, prefetch: preparation))))
                            },
                            // PREFETCH before a READ, PREFETCH_WRITE before a WRITE: each its own cell.
                            advise: setup.mode == .odp && prefetch
                                ? results.recorder(CellKey(probe: .fault, mode: .odp, operation: access == .read ? .prefetch : .prefetchWrite,
                                                           bytes: bytes, pages: pages, conditions: CellConditions(prefetch: .sync))) : nil)
                }
                try budget.rounds(cells: cells) { round, recording throws(ODPKitError) in
                    let offset = (round % slots) * bytes
                    for entry in plan {
                        let memory = entry.setup.memory, region = entry.setup.region
                        // Warm means the translation is in place: an ODP region has none for pages the NIC has not
                        // touched since the CPU last wrote them (the refill below, a COW of the zero page a READ
                        // fault mapped), and a mirror region re-pins on use; one untimed access first puts it there.
                        do throws(ODPKitError) {
                            try path.transfer(access, region, offset: offset, length: bytes)
                            entry.warm.measure(recording) { () throws(ODPKitError) in try path.transfer(access, region, offset: offset, length: bytes) }
                        } catch {
                            if recording { entry.warm.fail(error) }
                        }
                        for (preparation, recorder) in entry.faults {
                            try memory.dropPages(offset..<(offset + bytes))
                            if preparation != .notIssued, let odp = region.memoryRegion {
                                let advice: MemoryRegion.Prefetch = access == .read ? .read : .write
                                if preparation == .sync, let advise = entry.advise {
                                    advise.measure(recording) { () throws(ODPKitError) in try odp.prefetch(advice, offset: offset, length: bytes, wait: true) }
                                } else {
                                    do throws(ODPKitError) { try odp.prefetch(advice, offset: offset, length: bytes, wait: false) } catch { if recording { recorder.fail(error) } }
                                }
                            }
                            recorder.measure(recording) { () throws(ODPKitError) in try path.transfer(access, region, offset: offset, length: bytes) }
                            memory.fill(0x3C, range: offset..<(offset + bytes))
                        }
                    }
                }
            }
        }
    }
}
