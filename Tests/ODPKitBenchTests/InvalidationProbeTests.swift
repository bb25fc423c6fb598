import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `InvalidationProbe` on 1 and 16 pages: `madvise(MADV_DONTNEED)`, `munmap` and `mremap` per mode,
    /// and the mirror's window until it is coherent again after each but munmap; the window runs from
    /// before the call, and a mirror's call waits for its monitor to read the event.
    @Suite("invalidation probe")
    final class InvalidationProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath()
        }

        deinit {
            try? path.close()
        }

        @Test func measuresEveryCellAndTheMirrorsWindowSpansItsCall() throws {
            let samples = 10, pageCounts = [1, 16]
            let results = ProbeResults(expectedSamples: samples)
            try InvalidationProbe.run(pageCounts: pageCounts, modes: RegistrationMode.allCases,
                                      budget: ProbeBudget(samples: samples, warmUp: 1, secondsPerCell: 60), on: path, into: results) { _ in }
            var promised: [PromisedCell] = []
            for pages in pageCounts {
                for change in [CellOperation.dontNeed, .unmap, .remap] {
                    for mode in RegistrationMode.allCases {
                        promised.append(PromisedCell(probe: .invalidation, mode: mode, operation: change, bytes: pages * pageSize))
                    }
                    if change != .unmap {
                        promised.append(PromisedCell(probe: .window, mode: .mirror, operation: change, bytes: pages * pageSize, conditions: CellConditions(refresh: .eager)))
                    }
                }
            }
            expectEveryCell(promised, in: results, samples: samples)

            let bytes = 16 * pageSize
            for change in [CellOperation.dontNeed, .remap] {
                let window = try median(results, probe: .window, mode: .mirror, operation: change, bytes: bytes, where: CellConditions(refresh: .eager))
                let call = try median(results, probe: .invalidation, mode: .mirror, operation: change, bytes: bytes)
                #expect(window >= call, "the mirror's window after \(change) (median \(window) ns) starts before the call (\(call) ns) and ends after it")
            }
            let mirror = try median(results, probe: .invalidation, mode: .mirror, operation: .dontNeed, bytes: bytes)
            let pinned = try median(results, probe: .invalidation, mode: .pinned, operation: .dontNeed, bytes: bytes)
            #expect(mirror > pinned, "a mirror's MADV_DONTNEED waits for its monitor to read the event (median \(mirror) ns), a pinned region's does not (\(pinned) ns)")
        }
    }
}
