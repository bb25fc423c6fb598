public import ODPKit
public import ODPKitReport

/// NIC page-fault latency: the first RDMA READ and the first RDMA WRITE of `pages` pages the CPU has
/// dropped (`MADV_DONTNEED`), against the same access on present pages: warm (after an untimed access),
/// and the fault's control; for ODP also after `ibv_advise_mr` prefetch (waited for, and not), for the
/// mirror its user-space re-fault (refresh on use, so the access pays it as an ODP access pays the NIC's
/// fault).
///
/// Each mode has its own region: `pages` windows that move through its first pages, then, in a mirror
/// chunk of its own, a spare page no access touches. A fault sample and its control sample take the same
/// steps — an untimed access of the window, `MADV_DONTNEED`, the prefetch if any, the timed access, the
/// CPU writing the dropped bytes back — but the fault drops the window and the control the spare page,
/// so an ODP region takes the same notifier path and only the fault tells the two apart. They alternate
/// which goes first, round by round.
public enum FaultProbe {
    public static func run(
        pageCounts: [Int], modes: [RegistrationMode], prefetch: Bool, budget: ProbeBudget, on path: LoopbackPath,
        into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) {
        let regionPages = pageCounts.max() ?? 1
        let chunk = MirrorRegion.defaultChunkSize
        let spareOffset = (regionPages * pageSize + chunk - 1) / chunk * chunk
        let spare = spareOffset..<(spareOffset + pageSize)
        let setups = try ProbeRegion.perMode(modes, bytes: spare.upperBound, fill: 0x3C, mirrorRefresh: .onUse, on: path)
        defer { ProbeRegion.closeAll(setups) }
        for pages in pageCounts {
            for access in [NICAccess.read, .write] {
                progress("fault: first \(access == .read ? "READ" : "WRITE") of \(pages) dropped page(s), each with its control")
                let bytes = pages * pageSize
                let operation: CellOperation = access == .read ? .read : .write
                let slots = max(1, regionPages / pages)
                var cells = 0
                let plan = setups.map { setup in
                    let preparations: [CellConditions.Prefetch] = setup.mode == .odp && prefetch ? CellConditions.Prefetch.allCases : [.notIssued]
                    let advises = setup.mode == .odp && prefetch
                    cells += 1 + 2 * preparations.count + (advises ? 1 : 0)
                    return (setup: setup,
                            warm: results.recorder(CellKey(probe: .warm, mode: setup.mode, operation: operation, bytes: bytes, pages: pages,
                                                           conditions: CellConditions(pages: .present))),
                            faults: preparations.map { preparation in
                                let fault = CellKey(probe: .fault, mode: setup.mode, operation: operation, bytes: bytes, pages: pages,
                                                    conditions: CellConditions(pages: .absent, prefetch: preparation))
                                return (preparation: preparation, fault: results.recorder(fault), control: results.recorder(controlKey(of: fault)))
                            },
                            // PREFETCH before a READ, PREFETCH_WRITE before a WRITE: each its own cell.
                            advise: advises
                                ? results.recorder(CellKey(probe: .fault, mode: .odp, operation: access == .read ? .prefetch : .prefetchWrite,
                                                           bytes: bytes, pages: pages, conditions: CellConditions(prefetch: .sync))) : nil)
                }
                try budget.rounds(cells: cells) { round, recording throws(ODPKitError) in
                    let offset = (round % slots) * bytes
                    let window = offset..<(offset + bytes)
                    for entry in plan {
                        let region = entry.setup.region
                        // Warm means the translation is in place: an ODP region has none for pages the NIC has not
                        // touched since the CPU last wrote them (the refill below, a COW of the zero page a READ
                        // fault mapped), and a mirror region re-pins on use; one untimed access first puts it there.
                        do throws(ODPKitError) {
                            try path.transfer(access, region, offset: offset, length: bytes)
                            entry.warm.measure(recording) { () throws(ODPKitError) in try path.transfer(access, region, offset: offset, length: bytes) }
                        } catch {
                            if recording { entry.warm.fail(error) }
                        }
                        for cell in entry.faults {
                            let samples = [(cell.fault, window, entry.advise), (cell.control, spare, nil)]
                            for (recorder, dropped, advise) in round % 2 == 0 ? samples : samples.reversed() {
                                try sample(recorder, access, entry.setup, window: window, dropped: dropped, preparation: cell.preparation,
                                           advise: advise, recording: recording, on: path)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The key of the control of the fault cell `fault`: the same access after the same steps, with the
    /// accessed pages present (a spare page dropped instead).
    public static func controlKey(of fault: CellKey) -> CellKey {
        CellKey(probe: .warm, mode: fault.mode, operation: fault.operation, bytes: fault.bytes, pages: fault.pages,
                conditions: CellConditions(pages: .present, prefetch: fault.conditions.prefetch, control: .droppedElsewhere))
    }

    /// Every fault cell's cost over its control in `results` (`FaultCost`), in the order measured.
    public static func costs(_ results: ProbeResults) -> [FaultCost] {
        results.recorders.compactMap { fault in
            guard fault.key.probe == .fault, fault.key.conditions.pages == .absent,
                  let control = results.recorders.first(where: { $0.key == controlKey(of: fault.key) }) else { return nil }
            return FaultCost(fault: fault.key, faultNanoseconds: fault.samples, controlNanoseconds: control.samples)
        }
    }

    /// One sample of `recorder`: an untimed access of `window`, `MADV_DONTNEED` of `dropped` (the window
    /// for a fault, the spare page for a control), the prefetch of `preparation` (waited for and timed
    /// into `advise` when given), the timed access of `window`, then the CPU's bytes written back over
    /// `dropped`.
    private static func sample(
        _ recorder: CellRecorder, _ access: NICAccess, _ setup: ProbeRegion, window: Range<Int>, dropped: Range<Int>,
        preparation: CellConditions.Prefetch, advise: CellRecorder?, recording: Bool, on path: LoopbackPath
    ) throws(ODPKitError) {
        let memory = setup.memory, region = setup.region
        let offset = window.lowerBound, bytes = window.count
        do throws(ODPKitError) {
            try path.transfer(access, region, offset: offset, length: bytes)
        } catch {
            if recording { recorder.fail(error) }
            return
        }
        try memory.dropPages(dropped)
        if preparation != .notIssued, let odp = region.memoryRegion {
            let advice: MemoryRegion.Prefetch = access == .read ? .read : .write
            let wait = preparation == .sync
            if let advise, wait {
                advise.measure(recording) { () throws(ODPKitError) in try odp.prefetch(advice, offset: offset, length: bytes, wait: true) }
            } else {
                do throws(ODPKitError) { try odp.prefetch(advice, offset: offset, length: bytes, wait: wait) } catch { if recording { recorder.fail(error) } }
            }
        }
        recorder.measure(recording) { () throws(ODPKitError) in try path.transfer(access, region, offset: offset, length: bytes) }
        memory.fill(0x3C, range: dropped)
    }
}
