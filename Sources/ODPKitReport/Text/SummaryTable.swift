/// The cells of a report as a fixed-width text table in perftest's terms, headed by the testbed line:
///
/// ```
/// testbed: rxe0 (rdma_rxe), kernel 6.8.0, …
/// probe         mode    operation   size   pages  conditions  #samples  t_min  t_max  t_typical  t_avg  t_stdev  99%  99.9%  failures
/// registration  pinned  register    4 KiB      1  …                 N   t.tt   t.tt       t.tt   t.tt     t.tt …
/// ```
public enum SummaryTable {
    /// The column titles; times in µs.
    public static let columns = [
        "probe", "mode", "operation", "size", "pages", "conditions",
        "#samples", "t_min", "t_max", "t_typical", "t_avg", "t_stdev", "99%", "99.9%", "failures",
    ]

    /// The columns that hold numbers, aligned right.
    static let numericColumns: Set<Int> = Set([3, 4] + Array(6..<15))

    /// One cell's row, as many fields as `columns`: times in µs with two decimals, `-` without samples.
    public static func row(_ cell: ReportCell) -> [String] {
        let summary = cell.summary
        let times = [summary.minimum, summary.maximum, summary.typical, summary.average, summary.standardDeviation, summary.p99, summary.p999]
        return [
            cell.probe.rawValue, cell.mode.rawValue, cell.operation.rawValue, ReportFormat.bytes(cell.bytes), String(cell.pages),
            cell.conditions.text.isEmpty ? "-" : cell.conditions.text, String(summary.samples),
        ] + times.map { summary.samples == 0 ? "-" : ReportFormat.microseconds($0) } + [String(cell.failures)]
    }

    /// The table of `cells`, headed by `testbed`'s summary line; columns as wide as their widest field.
    public static func render(_ cells: [ReportCell], testbed: TestbedLabel) -> String {
        let lines = TextTable.lines([columns] + cells.map(row), numericColumns: numericColumns)
        return (["testbed: \(testbed.summary)", "times in µs"] + lines).joined(separator: "\n")
    }

    /// The table of a report's cells.
    public static func render(_ report: LatencyReport) -> String {
        render(report.cells, testbed: report.testbed)
    }
}
