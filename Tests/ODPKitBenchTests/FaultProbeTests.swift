import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `FaultProbe` on 1 and 256 pages with prefetch: per mode a warm cell and a fault cell of READ and
    /// WRITE, each fault with its control, ODP's fault also after a waited and an unwaited prefetch, and
    /// ODP's prefetch itself; every fault has its cost over its control (`FaultProbe.costs`); the
    /// first READ after `MADV_DONTNEED` takes longer than the warm READ for ODP (the NIC faults the pages
    /// in) and for the mirror (it re-registers the dropped chunks, refresh on use).
    @Suite("fault probe")
    final class FaultProbeTests {
        let path: LoopbackPath

        init() throws {
            path = try LoopbackPath(stagingBytes: 256 * pageSize)
        }

        deinit {
            try? path.close()
        }

        @Test func measuresEveryCellAndAFaultTakesLongerThanTheWarmRead() throws {
            let samples = 10, pageCounts = [1, 256]
            let results = ProbeResults(expectedSamples: samples)
            try FaultProbe.run(pageCounts: pageCounts, modes: RegistrationMode.allCases, prefetch: true,
                               budget: ProbeBudget(samples: samples, warmUp: 1, secondsPerCell: 60), on: path, into: results) { _ in }
            var promised: [PromisedCell] = []
            for pages in pageCounts {
                let bytes = pages * pageSize
                for (operation, advice) in [(CellOperation.read, CellOperation.prefetch), (.write, .prefetchWrite)] {
                    for mode in RegistrationMode.allCases {
                        promised.append(PromisedCell(probe: .warm, mode: mode, operation: operation, bytes: bytes, conditions: CellConditions(pages: .present), exactly: true))
                        for prefetch in mode == .odp ? CellConditions.Prefetch.allCases : [.notIssued] {
                            promised.append(PromisedCell(probe: .fault, mode: mode, operation: operation, bytes: bytes,
                                                         conditions: CellConditions(pages: .absent, prefetch: prefetch)))
                            promised.append(PromisedCell(probe: .warm, mode: mode, operation: operation, bytes: bytes,
                                                         conditions: CellConditions(pages: .present, prefetch: prefetch, control: .droppedElsewhere), exactly: true))
                        }
                    }
                    promised.append(PromisedCell(probe: .fault, mode: .odp, operation: advice, bytes: bytes, conditions: CellConditions(prefetch: .sync)))
                }
            }
            expectEveryCell(promised, in: results, samples: samples)
            let costs = FaultProbe.costs(results)
            #expect(costs.count == promised.filter { $0.probe == .fault && $0.conditions.pages == .absent }.count)
            #expect(costs.allSatisfy { $0.faultSamples == samples && $0.controlSamples == samples && $0.lower != nil })

            let bytes = 256 * pageSize
            for mode in [RegistrationMode.odp, .mirror] {
                let fault = try median(results, probe: .fault, mode: mode, operation: .read, bytes: bytes, where: CellConditions(pages: .absent, prefetch: .notIssued))
                let warm = try median(results, probe: .warm, mode: mode, operation: .read, bytes: bytes, where: CellConditions(pages: .present), exactly: true)
                #expect(fault > warm, "\(mode): a READ of 256 dropped pages (median \(fault) ns) should take longer than of 256 present pages (\(warm) ns)")
            }
        }
    }
}
