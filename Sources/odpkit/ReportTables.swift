import ODPKit
import ODPKitReport

/// The text a probe command or `odpkit report` prints: the coherence matrix if the report measured it,
/// the summary table, then the fit table if the report measured registration, then perftest beside
/// odpkit if it holds perftest's results.
func reportTables(_ report: LatencyReport) -> String {
    [CoherenceTable.render(report.coherence), SummaryTable.render(report), FitTable.render(report), PerftestComparison.render(report)]
        .compactMap { $0 }.joined(separator: "\n\n")
}
