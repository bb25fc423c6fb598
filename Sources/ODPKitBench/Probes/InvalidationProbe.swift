public import ODPKit
import ODPKitReport

/// Invalidation latency: how long `madvise(MADV_DONTNEED)`, `munmap` and `mremap(MREMAP_FIXED)` take
/// on `pages` pages of a registered range, per mode (ODP pays the notifier and the NIC's unmap inside
/// the call, a mirror the wait for its monitor to read the event, pinned nothing — and stays stale);
/// for the mirror also the window from the call until its translation is coherent again (eager refresh,
/// no use of the region). munmap is followed, untimed, by `mmap(MAP_FIXED)` of the same range: no
/// event tells a mirror of a new mapping, so its munmap window only closes on a use and is not timed.
public enum InvalidationProbe {
    /// The changes the probe times.
    static let changes: [MappingChange] = [.dontNeed, .unmap, .remapOnto]

    public static func run(
        pageCounts: [Int], modes: [RegistrationMode], budget: ProbeBudget, on path: LoopbackPath, into results: ProbeResults,
        progress: (String) -> Void
    ) throws(ODPKitError) {
        let regionPages = pageCounts.max() ?? 1
        let setups = try ProbeRegion.perMode(modes, bytes: regionPages * pageSize, fill: 0x69, mirrorRefresh: .eager, on: path)
        defer { ProbeRegion.closeAll(setups) }
        for pages in pageCounts {
            let bytes = pages * pageSize
            let slots = max(1, regionPages / pages)
            for change in changes {
                let operation = CellOperation(change)
                progress("invalidation: \(operation) of \(pages) page(s)")
                let plan = setups.map { setup in
                    (setup: setup,
                     call: results.recorder(CellKey(probe: .invalidation, mode: setup.mode, operation: operation, bytes: bytes, pages: pages)),
                     window: setup.mode == .mirror && change != .unmap
                        ? results.recorder(CellKey(probe: .window, mode: .mirror, operation: operation, bytes: bytes, pages: pages,
                                                  conditions: CellConditions(refresh: .eager))) : nil)
                }
                try budget.rounds(cells: plan.count + plan.filter { $0.window != nil }.count) { round, recording throws(ODPKitError) in
                    let offset = (round % slots) * bytes
                    for entry in plan {
                        let memory = entry.setup.memory, region = entry.setup.region
                        let range = offset..<(offset + bytes)
                        let spare = change == .remapOnto ? try AnonymousMemory(length: bytes) : nil
                        spare?.fill(0x96)
                        let start = monotonicNanoseconds()
                        do throws(ODPKitError) {
                            switch change {
                            case .dontNeed: try memory.dropPages(range)
                            case .unmap: try system_munmap(memory.baseAddress + offset, bytes)
                            case .remapOnto: if let spare { try memory.takePages(of: spare, onto: offset) }
                            case .mapOver: _ = try system_mmapAnonymous(length: bytes, at: memory.baseAddress + offset)
                            }
                            let called = monotonicNanoseconds()
                            if recording { entry.call.record(called - start) }
                        } catch {
                            if recording { entry.call.fail(error) }
                        }
                        if let window = entry.window, let mirror = region.mirror {
                            do throws(ODPKitError) {
                                try mirror.waitUntilCoherent(range)
                                let coherent = monotonicNanoseconds()
                                if recording { window.record(coherent - start) }
                            } catch {
                                if recording { window.fail(error) }
                            }
                        }
                        if change == .unmap {
                            _ = try system_mmapAnonymous(length: bytes, at: memory.baseAddress + offset)
                        }
                        memory.fill(0x69, range: range)
                        try region.mirror?.ensureCoherent(range)
                    }
                }
            }
        }
    }
}
