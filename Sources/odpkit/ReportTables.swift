import ODPKit
import ODPKitReport

/// The text a probe command or `odpkit report` prints: the coherence matrix if the report measured it,
/// the summary table, then the fault costs if the report has them, the fit table if it measured
/// registration, then perftest beside odpkit if it holds perftest's results.
func reportTables(_ report: LatencyReport) -> String {
    [CoherenceTable.render(report.coherence), SummaryTable.render(report), FaultCostTable.render(report), FitTable.render(report),
     PerftestComparison.render(report)].compactMap { $0 }.joined(separator: "\n\n")
}
