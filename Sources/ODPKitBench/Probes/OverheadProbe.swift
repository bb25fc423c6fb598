import Foundation
public import ODPKit
public import ODPKitReport

/// What measuring costs. Two cells: the bias inside every sample (two clock reads back to back, the
/// only part of measuring a timed interval contains) and the whole cost of taking one sample (the two
/// reads and one record into a cell's raw samples), which only slows the probe down.
public enum OverheadProbe {
    /// Takes `samples` samples of both cells into `results`; stops with `.interrupted` once `interruption`
    /// is set (checked every 4096 samples, outside them).
    public static func run(samples: Int, into results: ProbeResults, interruption: Interruption = .signals) throws(ODPKitError) {
        let inside = results.recorder(CellKey(probe: .overhead, mode: .noRegion, operation: .clockPair, bytes: 0, pages: 0))
        let whole = results.recorder(CellKey(probe: .overhead, mode: .noRegion, operation: .clockPairAndRecord, bytes: 0, pages: 0))
        for index in 0..<samples {
            if index & 4095 == 0 { try interruption.check("the overhead probe") }
            let start = monotonicNanoseconds()
            let sampleStart = monotonicNanoseconds()
            let sampleEnd = monotonicNanoseconds()
            inside.record(sampleEnd - sampleStart)
            let end = monotonicNanoseconds()
            whole.record(end - start)
        }
    }

    /// One line comparing the bias inside each sample with the smallest median the other cells report,
    /// nil without an overhead cell or another cell.
    public static func note(_ cells: [ReportCell]) -> String? {
        guard let bias = cells.first(where: { $0.probe == .overhead && $0.operation == .clockPair })?.summary,
              let whole = cells.first(where: { $0.probe == .overhead && $0.operation == .clockPairAndRecord })?.summary,
              let smallest = cells.filter({ $0.probe != .overhead && $0.summary.samples > 0 }).min(by: { $0.summary.typical < $1.summary.typical })
        else { return nil }
        let share = bias.typical / smallest.summary.typical * 100
        let verdict = share < 1 ? "below" : "NOT below"
        return "Measuring adds \(ReportFormat.microseconds(bias.typical)) µs inside each sample (two clock reads back to back, median), "
            + "\(String(format: "%.2f", share)) % of the smallest median reported (\(smallest.probe) \(smallest.mode) \(smallest.operation) \(ReportFormat.bytes(smallest.bytes)): "
            + "\(ReportFormat.microseconds(smallest.summary.typical)) µs) — \(verdict) the 1 % target; taking a sample costs \(ReportFormat.microseconds(whole.typical)) µs "
            + "in all (with the record, outside the timed interval)."
    }
}
