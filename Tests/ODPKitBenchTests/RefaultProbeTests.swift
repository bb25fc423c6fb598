import Testing
import ODPKit
import ODPKitBench
import ODPKitReport
import ODPKitSystem

extension RXEIntegration {
    /// `RefaultProbe` dropping all 256 pages of a 256-page region: every cell it promises per mode, each
    /// with every sample; the mirror's first READ after the drop re-registers a chunk in user space and
    /// takes longer than the same READ with the translation in place. (ODP's NIC fault is checked against
    /// a control that differs only in the fault, by the fault probe's cost test: beside a warm READ that
    /// follows other steps, a 10-sample median here flipped once on a loaded host.)
    @Suite("refault probe")
    struct RefaultProbeTests {
        @Test func measuresEveryCellAndTheMirrorsFirstReadAfterTheDropTakesLonger() throws {
            let samples = 10, bytes = 256 * pageSize
            let results = ProbeResults(expectedSamples: samples)
            let report = try RefaultProbe.run(regionSizes: [bytes], dropped: [.all], modes: RegistrationMode.allCases, samples: samples,
                                              device: nil, into: results)
            var promised: [PromisedCell] = []
            for mode in RegistrationMode.allCases {
                let refresh = mode == .mirror ? CellConditions(refresh: .eager) : CellConditions()
                func with(_ pagesPresent: CellConditions.Pages) -> CellConditions {
                    var conditions = refresh
                    conditions.pages = pagesPresent
                    return conditions
                }
                promised.append(PromisedCell(probe: .invalidation, mode: mode, operation: .dontNeed, bytes: bytes, conditions: refresh))
                promised.append(PromisedCell(probe: .fault, mode: mode, operation: .read, bytes: bytes, conditions: with(.absent)))
                promised.append(PromisedCell(probe: .warm, mode: mode, operation: .read, bytes: bytes, conditions: with(.present)))
                if mode == .mirror {
                    promised.append(PromisedCell(probe: .fault, mode: mode, operation: .restoreRest, bytes: bytes, conditions: refresh))
                }
            }
            // The mirror's own measures hold as many samples as it had invalidations and re-faults.
            let own: [(Probe, CellOperation)] = [(.window, .dontNeed), (.fault, .chunkRefault)]
            for (probe, operation) in own {
                let found = cells(results, probe: probe, mode: .mirror, operation: operation, bytes: bytes, where: CellConditions(refresh: .eager))
                #expect(found.count == 1 && found.allSatisfy { $0.samples.count >= samples && $0.samples.allSatisfy { $0 > 0 } },
                        "mirror \(probe) \(operation): \(found.map(\.samples.count)) samples")
            }
            expectEveryCell(promised, besides: own.count, in: results, samples: samples)
            #expect(report.cells.count == results.recorders.count && report.notes.contains { $0.hasPrefix("mirror, \(bytes) B region") })
            let first = try median(results, probe: .fault, mode: .mirror, operation: .read, bytes: bytes, where: CellConditions(pages: .absent))
            let warm = try median(results, probe: .warm, mode: .mirror, operation: .read, bytes: bytes, where: CellConditions(pages: .present))
            #expect(first > warm, "mirror: a READ after the drop (median \(first) ns) should take longer than with the translation in place (\(warm) ns)")
        }
    }
}
