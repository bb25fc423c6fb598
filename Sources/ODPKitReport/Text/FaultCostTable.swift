/// The fault costs (`FaultCost`) as a fixed-width text table, printed after `SummaryTable`:
///
/// ```
/// fault cost: fault − control (same steps, accessed pages present), Hodges–Lehmann with its 90 % interval; times in µs
/// mode  operation  pages  conditions                  fault  control  fault − control        interval  #samples
/// odp   RDMA READ      1  pages=absent;prefetch=none  FF.FF    CC.CC            DD.DD  [LL.LL, UU.UU]  1000/1000
/// ```
public enum FaultCostTable {
    /// The column titles; times in µs.
    public static let columns = ["mode", "operation", "pages", "conditions", "fault", "control", "fault − control", "interval", "#samples"]

    /// The columns that hold numbers, aligned right.
    static let numericColumns: Set<Int> = [2, 4, 5, 6, 7, 8]

    /// The table's heading: what the cost is.
    static let heading = "fault cost: fault − control (same steps, accessed pages present), Hodges–Lehmann with its \(Int(FaultCost.confidence * 100)) % interval; times in µs"

    /// One cost's row, as many fields as `columns`; the interval `-` when the samples were too few for one.
    public static func row(_ cost: FaultCost) -> [String] {
        [
            cost.mode.rawValue, cost.operation.rawValue, String(cost.pages), cost.conditions.text.isEmpty ? "-" : cost.conditions.text,
            ReportFormat.microseconds(cost.faultMedian), ReportFormat.microseconds(cost.controlMedian), ReportFormat.microseconds(cost.estimate),
            interval(cost), "\(cost.faultSamples)/\(cost.controlSamples)",
        ]
    }

    /// `[lower, upper]` in µs, `-` without an interval.
    static func interval(_ cost: FaultCost) -> String {
        guard let lower = cost.lower, let upper = cost.upper else { return "-" }
        return "[\(ReportFormat.microseconds(lower)), \(ReportFormat.microseconds(upper))]"
    }

    /// The table of a report's fault costs under `heading`; nil when it has none.
    public static func render(_ report: LatencyReport) -> String? {
        guard !report.faultCosts.isEmpty else { return nil }
        return ([heading] + TextTable.lines([columns] + report.faultCosts.map(row), numericColumns: numericColumns)).joined(separator: "\n")
    }
}
