public import ODPKit
import ODPKitReport

/// Registration and deregistration time against region size, with the pages present and absent and
/// with transparent huge pages advised on and off (`MADV_HUGEPAGE` / `MADV_NOHUGEPAGE`), modes
/// interleaved sample by sample on one mapping per size and condition.
///
/// THP on starts at `hugePagesFrom` bytes, the smallest transparent huge page the kernel may use for
/// an advised mapping (`TransparentHugePages.smallestAdvised`): a smaller mapping holds no huge page,
/// so its THP-on cells would only measure THP off's again, at the same cost in time.
///
/// "absent" drops the pages (`MADV_DONTNEED`) before each registration, outside the timing: a pinned
/// or mirror registration then faults every page in, an ODP registration faults none.
///
/// Once one round of a condition (every mode registered and deregistered once) outlasts the group's
/// time budget, the larger sizes of that condition skip the warm-up: their rounds are long, and what a
/// warm-up round takes out, first-call costs of
/// code and data brought in, is small beside that, while the unrecorded round had been a large share
/// of the probe's time at the largest sizes.
public enum RegistrationProbe {
    /// Sizes from 4 KiB doubling up to `maximum` bytes.
    public static func sizes(upTo maximum: Int) -> [Int] {
        var sizes: [Int] = []
        var size = pageSize
        while size <= maximum {
            sizes.append(size)
            size *= 2
        }
        return sizes
    }

    public static func run(
        sizes: [Int], modes: [RegistrationMode], hugePagesFrom: Int = 0, budget: ProbeBudget, on path: LoopbackPath,
        into results: ProbeResults, progress: (String) -> Void
    ) throws(ODPKitError) {
        // The longest round so far of each condition (pages present, THP), in nanoseconds.
        var longestRound: [[Bool]: UInt64] = [:]
        for size in sizes {
            for present in [true, false] {
                for hugePages in [true, false] where !hugePages || size >= hugePagesFrom {
                    progress("registration: \(size) bytes, pages \(present ? "present" : "absent"), THP \(hugePages ? "on" : "off")")
                    let memory = try AnonymousMemory(length: size)
                    try memory.adviseHugePages(hugePages)
                    if present { memory.fill(0x5A) }
                    let conditions = CellConditions(pages: present ? .present : .absent, hugePages: hugePages ? .on : .off)
                    let recorders = modes.map { mode in
                        (mode,
                         results.recorder(CellKey(probe: .registration, mode: mode, operation: .register, bytes: size, pages: size / pageSize, conditions: conditions)),
                         results.recorder(CellKey(probe: .deregistration, mode: mode, operation: .deregister, bytes: size, pages: size / pageSize, conditions: conditions)))
                    }
                    let condition = [present, hugePages]
                    let sizeBudget = budget.skippingWarmUp(afterRoundsOf: longestRound[condition] ?? 0, cells: 2 * modes.count)
                    try sizeBudget.rounds(cells: 2 * modes.count) { _, recording throws(ODPKitError) in
                        let roundStart = monotonicNanoseconds()
                        defer { longestRound[condition] = max(longestRound[condition] ?? 0, monotonicNanoseconds() - roundStart) }
                        for (mode, register, deregister) in recorders {
                            try budget.checkInterruption()
                            if !present { try memory.dropPages() }
                            let start = monotonicNanoseconds()
                            let region: RegisteredRegion
                            do throws(ODPKitError) {
                                region = try path.register(mode, memory, mirrorRefresh: .onUse)
                            } catch {
                                if recording { register.fail(error) }
                                continue
                            }
                            let registered = monotonicNanoseconds()
                            do throws(ODPKitError) {
                                try region.close()
                                let closed = monotonicNanoseconds()
                                if recording {
                                    register.record(registered - start)
                                    deregister.record(closed - registered)
                                }
                            } catch {
                                if recording { deregister.fail(error) }
                            }
                        }
                    }
                }
            }
        }
    }
}
