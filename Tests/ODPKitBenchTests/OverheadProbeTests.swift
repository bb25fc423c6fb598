import Testing
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

@Suite("measuring overhead: the bias inside each sample against the smallest latency (host)")
struct OverheadProbeTests {
    func cell(_ probe: Probe, _ operation: CellOperation, microseconds: UInt64) -> ReportCell {
        ReportCell(key: CellKey(probe: probe, mode: probe == .overhead ? .noRegion : .registration(.pinned), operation: operation, bytes: 8, pages: 1),
                   summary: LatencySummary(nanoseconds: Array(repeating: microseconds * 1000, count: 3)))
    }

    @Test func recordsTheBiasInsideASampleAndTheWholeCost() throws {
        let results = ProbeResults(expectedSamples: 1000)
        try OverheadProbe.run(samples: 1000, into: results)
        let inside = try #require(results.cells.first { $0.operation == .clockPair })
        let whole = try #require(results.cells.first { $0.operation == .clockPairAndRecord })
        #expect(inside.summary.samples == 1000 && whole.summary.samples == 1000)
        #expect(inside.summary.typical <= whole.summary.typical)
    }

    @Test func theNoteSaysWhetherTheBiasIsBelowOnePercentOfTheSmallestMedian() throws {
        let overhead = [cell(.overhead, .clockPair, microseconds: 1), cell(.overhead, .clockPairAndRecord, microseconds: 2)]
        let below = try #require(OverheadProbe.note(overhead + [cell(.warm, .read, microseconds: 200), cell(.warm, .write, microseconds: 150)]))
        #expect(below.contains("0.67 % of the smallest median") && below.contains("RDMA WRITE") && below.contains("— below the 1 % target"))
        let above = try #require(OverheadProbe.note(overhead + [cell(.invalidation, .unmap, microseconds: 50)]))
        #expect(above.contains("2.00 %") && above.contains("NOT below"))
        #expect(OverheadProbe.note(overhead) == nil)
    }
}
