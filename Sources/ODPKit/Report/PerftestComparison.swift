/// perftest's results beside odpkit's warm cells of the same measure, from the same report: the check
/// that odpkit's data path adds nothing measurable (its pinned median within `tolerance` of perftest's
/// `t_typical`).
///
/// Like is set against like: `ib_read_lat` (post to completion of each READ) against odpkit's RDMA READ,
/// `ib_write_lat` (half a write ping-pong's round trip) against odpkit's write ping-pong, halved the
/// same way. `ib_send_lat` is a send ping-pong, which odpkit does not run: it has no odpkit figure.
///
/// ```
/// perftest beside odpkit (t_typical, µs; odpkit's pinned within 10 % of perftest's?)
/// test          bytes  perftest  pinned   odp  mirror  pinned/perftest  within 10 %
/// ib_read_lat       8     52.10   55.40 56.10   61.00            1.063  yes
/// ```
public struct PerftestComparison: Sendable, Hashable {
    /// The largest share by which odpkit's pinned median may exceed perftest's.
    public static let tolerance = 0.10

    public var perftest: PerftestResult
    /// The odpkit operation measured as perftest measures `perftest.test`, nil when there is none.
    public var operation: String?
    /// odpkit's warm cells of that operation and size from the message-size sweep, pinned first.
    public var cells: [ReportCell]

    /// One comparison per perftest result of `report`.
    public static func all(_ report: LatencyReport) -> [PerftestComparison] {
        report.perftest.map { result in
            let operation = odpkitOperation(result.test)
            // The message-size sweep's cells: the fault probe's warm baselines (same operation, interleaved
            // with faults sample by sample) are another measure.
            let cells = report.cells.filter {
                $0.probe == .warm && $0.conditions["sweep"] == WarmProbe.sweep && $0.operation == operation
                    && $0.bytes == result.bytes && $0.summary.samples > 0
            }.sorted { SeriesStyle.order($0.mode, $1.mode) }
            return PerftestComparison(perftest: result, operation: operation, cells: cells)
        }
    }

    /// The odpkit warm operation that measures what `test` measures.
    public static func odpkitOperation(_ test: String) -> String? {
        switch test {
        case "ib_read_lat": WarmProbe.Operation.read.rawValue
        case "ib_write_lat": WarmProbe.Operation.writePingPong.rawValue
        default: nil
        }
    }

    /// odpkit's median in `mode`, nil when that cell was not measured.
    public func typical(_ mode: String) -> Double? {
        cells.first { $0.mode == mode }?.summary.typical
    }

    /// odpkit's pinned median over perftest's `t_typical`, nil without a pinned cell.
    public var pinnedRatio: Double? {
        guard let pinned = typical(RegistrationMode.pinned.rawValue), perftest.tTypical > 0 else { return nil }
        return pinned / perftest.tTypical
    }

    /// Whether odpkit's pinned median is within `tolerance` of perftest's, nil without a pinned cell.
    public var withinTolerance: Bool? {
        pinnedRatio.map { $0 <= 1 + Self.tolerance }
    }

    /// odpkit's pinned median over perftest's, three decimals; `-` without a pinned cell.
    public var ratioText: String {
        pinnedRatio.map { String(format: "%.3f", $0) } ?? "-"
    }

    /// `yes` or `NO` for the 10 % target; `no like measure` when odpkit runs no such test, `-` when it
    /// did not measure the pinned cell.
    public var verdict: String {
        withinTolerance.map { $0 ? "yes" : "NO" } ?? (operation == nil ? "no like measure" : "-")
    }

    /// The column titles of the text table.
    public static let columns = ["test", "bytes", "perftest", "pinned", "odp", "mirror", "pinned/perftest", "within \(Int(tolerance * 100)) %"]

    /// One comparison's row, as many fields as `columns`: `-` where odpkit has no figure.
    public var row: [String] {
        let modes = RegistrationMode.allCases.map { typical($0.rawValue).map(ReportFormat.microseconds) ?? "-" }
        return [perftest.test, String(perftest.bytes), ReportFormat.microseconds(perftest.tTypical)] + modes + [ratioText, verdict]
    }

    /// The text table of a report's comparisons; nil when the report holds no perftest results.
    public static func render(_ report: LatencyReport) -> String? {
        let comparisons = all(report)
        guard !comparisons.isEmpty else { return nil }
        let heading = "perftest beside odpkit, same boot (t_typical in µs; ib_read_lat: READ round trip; ib_write_lat: half a write ping-pong, as odpkit's)"
        return ([heading] + TextTable.lines([columns] + comparisons.map(\.row), numericColumns: Set(1..<7))).joined(separator: "\n")
    }
}
