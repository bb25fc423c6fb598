import Testing
@testable import ODPKit
@testable import ODPKitBench
@testable import ODPKitReport

@Suite("measuring overhead: the bias inside each sample against the smallest latency (host)")
struct OverheadProbeTests {
    func cell(_ probe: Probe, _ operation: String, microseconds: UInt64) -> ReportCell {
        ReportCell(probe: probe, mode: probe == .overhead ? "-" : "pinned", operation: operation, bytes: 8, pages: 1, conditions: [:],
                   summary: LatencySummary(nanoseconds: Array(repeating: microseconds * 1000, count: 3)), failures: 0)
    }

    @Test func recordsTheBiasInsideASampleAndTheWholeCost() throws {
        let results = ProbeResults(expectedSamples: 1000)
        OverheadProbe.run(samples: 1000, into: results)
        let inside = try #require(results.cells.first { $0.operation == OverheadProbe.insideSample })
        let whole = try #require(results.cells.first { $0.operation == OverheadProbe.perSample })
        #expect(inside.summary.samples == 1000 && whole.summary.samples == 1000)
        #expect(inside.summary.typical <= whole.summary.typical)
    }

    @Test func theNoteSaysWhetherTheBiasIsBelowOnePercentOfTheSmallestMedian() throws {
        let overhead = [cell(.overhead, OverheadProbe.insideSample, microseconds: 1), cell(.overhead, OverheadProbe.perSample, microseconds: 2)]
        let below = try #require(OverheadProbe.note(overhead + [cell(.warm, "RDMA READ", microseconds: 200), cell(.warm, "RDMA WRITE", microseconds: 150)]))
        #expect(below.contains("0.67 % of the smallest median") && below.contains("RDMA WRITE") && below.contains("— below the 1 % target"))
        let above = try #require(OverheadProbe.note(overhead + [cell(.invalidation, "munmap", microseconds: 50)]))
        #expect(above.contains("2.00 %") && above.contains("NOT below"))
        #expect(OverheadProbe.note(overhead) == nil)
    }
}
