import ODPKit

/// One perftest measure (test and size) beside odpkit's of the same measure: the check that odpkit's
/// data path adds nothing measurable (its pinned median within `tolerance` of perftest's `t_typical`).
///
/// Like is set against like: `ib_read_lat` (post to completion of each READ) against odpkit's RDMA READ,
/// `ib_write_lat` (half a write ping-pong's round trip) against odpkit's write ping-pong, halved the
/// same way. `ib_send_lat` is a send ping-pong, which odpkit does not run: it has no odpkit figure.
///
/// The runs come from `PerftestRounds` (perftest's run and odpkit's cell of each round, measured one
/// right after the other, in turns first); a run without a round (from elsewhere) is set beside the
/// pinned cell of the message-size sweep. The verdict reads odpkit's medians against perftest's
/// `t_typical`s as two samples: the `HodgesLehmannRatio` (the median of every odpkit/perftest ratio
/// of a run of each) and its interval at `confidence` (3 rounds give one; 16 rounds give the 84th
/// to the 173rd of 256 ratios, 90.6 %). Not the rounds' own ratios: a run may sit on one of a few
/// levels (docs/methodology.md), and the level of one run says little about the next one's. `yes` when
/// the whole interval is within the tolerance, `NO` when all of it is beyond, `undecided` when it
/// straddles the line: the noise is larger than the difference.
///
/// ```
/// perftest beside odpkit, pinned, in rounds of pairs (median t_typical of the rounds, µs)
/// test         bytes  rounds  perftest  odpkit  odpkit/perftest  90 % interval  within 10 %  per round
/// ib_read_lat      8      16     PP.PP   OO.OO            R.RRR    L.LLL–U.UUU  yes          R.RR R.RR …
/// ```
public struct PerftestComparison: Sendable, Hashable {
    /// The largest share by which odpkit's pinned median may exceed perftest's.
    public static let tolerance = 0.10
    /// The coverage asked of the interval around the ratio.
    public static let confidence = 0.9

    /// A perftest run and odpkit's pinned cell measured beside it.
    public struct Round: Sendable, Hashable {
        public var perftest: PerftestResult
        /// odpkit's pinned cell of the same measure and round; nil when it was not measured.
        public var odpkit: ReportCell?

        /// odpkit's median in this round, nil when its cell was not measured.
        public var odpkitTypical: Double? {
            guard let odpkit, odpkit.summary.samples > 0 else { return nil }
            return odpkit.summary.typical
        }

        /// odpkit's median over perftest's `t_typical` (shown per round; the verdict does not pair them).
        public var ratio: Double? {
            guard let odpkitTypical, perftest.tTypical > 0 else { return nil }
            return odpkitTypical / perftest.tTypical
        }
    }

    public var test: String
    public var bytes: Int
    /// The odpkit operation measured as perftest measures `test`, nil when there is none.
    public var operation: CellOperation?
    /// perftest's runs of this measure in the order of their rounds, each with odpkit's cell beside it.
    public var rounds: [Round]
    /// odpkit's warm cells of the same operation and size from the message-size sweep, pinned first:
    /// every mode, measured apart from perftest.
    public var sweep: [ReportCell]

    /// One comparison per perftest test and size of `report`, in the order first seen.
    public static func all(_ report: LatencyReport) -> [PerftestComparison] {
        var measures: [(test: String, bytes: Int)] = []
        for result in report.perftest where !measures.contains(where: { $0 == (result.test, result.bytes) }) {
            measures.append((result.test, result.bytes))
        }
        return measures.map { measure in
            let operation = odpkitOperation(measure.test)
            func warm(_ cell: ReportCell) -> Bool {
                cell.probe == .warm && cell.operation == operation && cell.bytes == measure.bytes && cell.summary.samples > 0
            }
            // The message-size sweep's cells: the fault probe's warm baselines (same operation, interleaved
            // with faults sample by sample) are another measure.
            let sweep = report.cells.filter { warm($0) && $0.conditions.sweep == .messageSize }
                .sorted { $0.mode < $1.mode }
            let rounds = report.perftest.filter { $0.test == measure.test && $0.bytes == measure.bytes }.map { result in
                let conditions = result.round.map(PerftestPairing.conditions(round:)) ?? PerftestPairing.sweepConditions
                let odpkit = report.cells.first { warm($0) && $0.mode == .registration(.pinned) && $0.conditions == conditions }
                return Round(perftest: result, odpkit: odpkit)
            }
            return PerftestComparison(test: measure.test, bytes: measure.bytes, operation: operation, rounds: rounds, sweep: sweep)
        }
    }

    /// The odpkit warm operation that measures what `test` measures.
    public static func odpkitOperation(_ test: String) -> CellOperation? {
        PerftestPairing.measure(binary: test)?.operation
    }

    /// The median of perftest's `t_typical` over the rounds.
    public var perftestTypical: Double {
        Self.median(rounds.map(\.perftest.tTypical)) ?? 0
    }

    /// The median of odpkit's pinned medians over the rounds, nil without one.
    public var odpkitTypical: Double? {
        Self.median(rounds.compactMap(\.odpkitTypical))
    }

    /// The per-round ratios odpkit/perftest, in round order.
    public var ratios: [Double] { rounds.compactMap(\.ratio) }

    /// odpkit's medians against perftest's `t_typical`s over the rounds, nil without a pinned cell.
    public var shift: HodgesLehmannRatio? {
        HodgesLehmannRatio(rounds.compactMap(\.odpkitTypical), over: rounds.map(\.perftest.tTypical), confidence: Self.confidence)
    }

    /// The ratio odpkit/perftest (`shift`'s estimate), nil without a pinned cell.
    public var ratio: Double? { shift?.estimate }

    /// The interval around `ratio` at `confidence`, nil with too few rounds.
    public var interval: HodgesLehmannRatio.Interval? { shift?.interval }

    /// The sweep's median in `mode`, nil when that cell was not measured.
    public func sweepTypical(_ mode: CellMode) -> Double? {
        sweep.first { $0.mode == mode }?.summary.typical
    }

    /// `yes`, `NO` or `undecided` for the 10 % target (see the type's comment); with too few rounds for
    /// an interval, the median ratio's `yes` or `NO` and how many rounds it rests on; `no like measure`
    /// when odpkit runs no such test, `-` when it did not measure the pinned cell.
    public var verdict: String {
        let limit = 1 + Self.tolerance
        guard let shift else { return operation == nil ? "no like measure" : "-" }
        guard let interval = shift.interval else {
            return (shift.estimate <= limit ? "yes" : "NO") + " (\(ratios.count) round\(ratios.count == 1 ? "" : "s"), no interval)"
        }
        if interval.upper <= limit { return "yes" }
        if interval.lower > limit { return "NO" }
        return "undecided"
    }

    /// Three decimals, `-` for nil.
    static func ratioText(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "-"
    }

    /// `0.912–1.081`, `-` without an interval.
    public var intervalText: String {
        interval.map { Self.ratioText($0.lower) + "–" + Self.ratioText($0.upper) } ?? "-"
    }

    /// The per-round ratios, two decimals each.
    public var perRoundText: String {
        ratios.isEmpty ? "-" : ratios.map { String(format: "%.2f", $0) }.joined(separator: " ")
    }

    /// The interval column's title: `90 % interval`.
    public static let intervalTitle = "\(Int(confidence * 100)) % interval"

    /// The column titles of the text table.
    public static let columns = ["test", "bytes", "rounds", "perftest", "odpkit", "odpkit/perftest", intervalTitle,
                                 "within \(Int(tolerance * 100)) %", "per round", "sweep: pinned", "odp", "mirror"]

    /// The columns of `columns` that hold figures.
    public static let numericColumns: Set<Int> = [1, 2, 3, 4, 5, 9, 10, 11]

    /// One comparison's row, as many fields as `columns`: `-` where odpkit has no figure.
    public var row: [String] {
        let modes = RegistrationMode.allCases.map { sweepTypical(.registration($0)).map(ReportFormat.microseconds) ?? "-" }
        return [test, String(bytes), String(rounds.count), ReportFormat.microseconds(perftestTypical),
                odpkitTypical.map(ReportFormat.microseconds) ?? "-", Self.ratioText(ratio), intervalText, verdict, perRoundText] + modes
    }

    /// The text table of a report's comparisons; nil when the report holds no perftest results.
    public static func render(_ report: LatencyReport) -> String? {
        let comparisons = all(report)
        guard !comparisons.isEmpty else { return nil }
        let heading = "perftest beside odpkit pinned, same boot, in rounds of pairs (median t_typical of the rounds in µs; "
            + "ib_read_lat: READ round trip; ib_write_lat: half a write ping-pong, as odpkit's); sweep: odpkit's message-size sweep per mode"
        return ([heading] + TextTable.lines([columns] + comparisons.map(\.row), numericColumns: numericColumns)).joined(separator: "\n")
    }

    /// The median of `values` (the mean of the middle two of an even count), nil when empty.
    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
