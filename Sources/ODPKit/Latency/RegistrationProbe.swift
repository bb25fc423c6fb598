public import Verbs

/// Registration and deregistration time against region size, with the pages present and absent and
/// with transparent huge pages advised on and off (`MADV_HUGEPAGE` / `MADV_NOHUGEPAGE`), modes
/// interleaved sample by sample on one mapping per size and condition.
///
/// "absent" drops the pages (`MADV_DONTNEED`) before each registration, outside the timing: a pinned
/// or mirror registration then faults every page in, an ODP registration faults none.
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
        sizes: [Int], modes: [RegistrationMode], budget: ProbeBudget, on path: LoopbackPath, into results: ProbeResults,
        progress: (String) -> Void
    ) throws(ODPKitError) {
        for size in sizes {
            for present in [true, false] {
                for hugePages in [true, false] {
                    progress("registration: \(size) bytes, pages \(present ? "present" : "absent"), THP \(hugePages ? "on" : "off")")
                    let memory = try AnonymousMemory(length: size)
                    try memory.adviseHugePages(hugePages)
                    if present { memory.fill(0x5A) }
                    let conditions = ["pages": present ? "present" : "absent", "thp": hugePages ? "on" : "off"]
                    let recorders = modes.map { mode in
                        (mode,
                         results.recorder(.registration, mode.rawValue, "register", bytes: size, pages: size / pageSize, conditions: conditions),
                         results.recorder(.deregistration, mode.rawValue, "deregister", bytes: size, pages: size / pageSize, conditions: conditions))
                    }
                    try budget.rounds(cells: 2 * modes.count) { _, recording throws(ODPKitError) in
                        for (mode, register, deregister) in recorders {
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
