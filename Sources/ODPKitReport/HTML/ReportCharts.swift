/// The charts of a report page, built from its cells: time against region size for registration and
/// deregistration, and latency distributions (CDFs) for faults and invalidations.
enum ReportCharts {
    /// One chart with its heading.
    struct Figure {
        var title: String
        /// What all its lines share: the size (for a chart of page counts) and the conditions of one value.
        var detail: String
        var svg: String
    }

    /// The width of a chart that takes the page's full width, and of one of two side by side.
    static let wideWidth = 1130.0
    static let halfWidth = 540.0

    /// Time against region size for `probe`'s cells, nil without any: log–log, one line per mode (and per
    /// operation and condition combination that differ), markers at the median, whiskers up to p99.
    static func sizeChart(_ probe: Probe, cells all: [ReportCell]) -> Figure? {
        let cells = all.filter { $0.probe == probe }
        guard !cells.isEmpty else { return nil }
        let differing = differingConditions(cells)
        let operationsDiffer = Set(cells.map(\.operation)).count > 1
        var series: [SVGChart.Series] = []
        for group in lineGroups(cells) {
            let measured = group.cells.filter { $0.summary.samples > 0 }.sorted { $0.bytes < $1.bytes }
            let failed = group.cells.reduce(0) { $0 + $1.failures }
            series.append(SVGChart.Series(
                label: label(group.cells[0], differing: differing, operation: operationsDiffer) + (failed > 0 ? " — \(failed) failed" : ""),
                style: .variant(mode: group.mode, group.variant, markers: true),
                points: measured.map { (Double($0.bytes), $0.summary.typical) },
                whiskers: measured.map { (Double($0.bytes), $0.summary.typical, $0.summary.p99) }
            ))
        }
        let measured = cells.filter { $0.summary.samples > 0 }
        let chart = SVGChart(
            title: "\(probe == .registration ? "Registration" : "Deregistration") time against region size",
            width: wideWidth, plotHeight: 340,
            x: .logarithmic(LogAxis(.binary, covering: cells.map { Double($0.bytes) }), title: "region size"),
            y: .logarithmic(LogAxis(.decimal, covering: measured.flatMap { [$0.summary.typical, $0.summary.p99] }), title: "time (median; whisker to p99)"),
            series: series
        )
        let operations = orderedUnique(cells.map(\.operation.rawValue)).joined(separator: ", ")
        return Figure(title: "\(probe == .registration ? "Registration" : "Deregistration"): \(operations)", detail: commonDetail(cells, bytes: false), svg: chart.svg)
    }

    /// Latency distributions of the cells of `probes`, one chart per operation and `size` (pages or bytes),
    /// one line per mode and condition combination; with `baseline`, the warm cells of the same operation
    /// and size that belong to no sweep as dashed lines.
    static func distributionCharts(
        _ probes: [Probe], cells: [ReportCell], size: KeyPath<ReportCell, Int>, baseline: Probe? = nil,
        title: (ReportCell) -> String
    ) -> [Figure] {
        let chosen = cells.filter { probes.contains($0.probe) }
        var keys: [ChartKey] = []
        for cell in chosen where !keys.contains(ChartKey(cell, size: size)) {
            keys.append(ChartKey(cell, size: size))
        }
        keys.sort { ($0.probeRank, $0.operationRank(in: chosen), $0.size) < ($1.probeRank, $1.operationRank(in: chosen), $1.size) }
        return keys.map { key in
            let group = chosen.filter { ChartKey($0, size: size) == key }
            // The fault probe's own baselines: the warm probe's message-size sweep (8 B … 4 KiB are all
            // one page) is another measure and would bury the chart in lines.
            let warm = baseline.map { probe in
                cells.filter { $0.probe == probe && $0.conditions.sweep == nil && $0.operation == key.operation && $0[keyPath: size] == key.size }
            } ?? []
            return distributionChart(group, warm: warm, title: title(group[0]), showBytes: size == \ReportCell.pages)
        }
    }

    /// One CDF chart: x the latency (log), y the percentile (`PercentileAxis`). Lines are labelled by what
    /// tells them apart: the measured lines among themselves, the warm ones among themselves; `showBytes`
    /// adds the size to the detail when the chart is one of page counts.
    private static func distributionChart(_ cells: [ReportCell], warm: [ReportCell], title: String, showBytes: Bool) -> Figure {
        var series: [SVGChart.Series] = []
        func add(_ lines: [ReportCell], suffix: String, style: (ReportCell, Int) -> SeriesStyle) {
            let differing = differingConditions(lines)
            let bytesDiffer = Set(lines.map(\.bytes)).count > 1, pagesDiffer = Set(lines.map(\.pages)).count > 1
            for mode in Set(lines.map(\.mode)).sorted() {
                let ofMode = lines.filter { $0.mode == mode }.sorted { ($0.conditions.text, $0.bytes, $0.pages) < ($1.conditions.text, $1.bytes, $1.pages) }
                for (variant, cell) in ofMode.enumerated() {
                    var text = label(cell, differing: differing, bytes: bytesDiffer, pages: pagesDiffer) + suffix
                    text += cell.summary.samples > 0 ? " (n=\(cell.summary.samples))" : " — no samples"
                    if cell.failures > 0 { text += ", \(cell.failures) failed" }
                    series.append(SVGChart.Series(label: text, style: style(cell, variant), points: cell.summary.cdf.map { ($0.microseconds, $0.percentile) }))
                }
            }
        }
        add(cells, suffix: "") { cell, variant in .variant(mode: cell.mode, variant, markers: false) }
        add(warm, suffix: " warm") { cell, _ in .warm(mode: cell.mode) }
        let all = cells + warm
        let chart = SVGChart(
            title: title, width: halfWidth, plotHeight: 250,
            x: .logarithmic(LogAxis(.decimal, covering: all.flatMap { $0.summary.cdf.map(\.microseconds) }), title: "latency"),
            y: .percentile(PercentileAxis(samples: all.map(\.summary.samples).max() ?? 0), title: "percentile"),
            series: series
        )
        return Figure(title: title, detail: commonDetail(cells, bytes: showBytes), svg: chart.svg)
    }

    /// What identifies a distribution chart: probe, operation and size.
    private struct ChartKey: Equatable {
        var probe: Probe
        var operation: CellOperation
        var size: Int

        init(_ cell: ReportCell, size: KeyPath<ReportCell, Int>) {
            probe = cell.probe
            operation = cell.operation
            self.size = cell[keyPath: size]
        }

        var probeRank: Int { Probe.allCases.firstIndex(of: probe) ?? 0 }

        /// Operations in the order the report first lists them.
        func operationRank(in cells: [ReportCell]) -> Int {
            orderedUnique(cells.map(\.operation.rawValue)).firstIndex(of: operation.rawValue) ?? 0
        }
    }

    /// The cells of one line: one mode, one operation, one combination of conditions.
    private struct LineGroup {
        var mode: CellMode
        /// Which of its mode's lines in this chart it is, for a distinct dash and marker.
        var variant: Int
        var cells: [ReportCell]
    }

    /// `cells` split into lines, modes in their fixed order, each mode's lines by operation and conditions.
    private static func lineGroups(_ cells: [ReportCell]) -> [LineGroup] {
        var groups: [LineGroup] = []
        let modes = Set(cells.map(\.mode)).sorted()
        for mode in modes {
            let ofMode = cells.filter { $0.mode == mode }
            let keys = orderedUnique(ofMode.map { "\($0.operation)\u{0}\($0.conditions.text)" }).sorted()
            for (variant, key) in keys.enumerated() {
                groups.append(LineGroup(mode: mode, variant: variant, cells: ofMode.filter { "\($0.operation)\u{0}\($0.conditions.text)" == key }))
            }
        }
        return groups
    }

    /// A line's label: its mode, then what tells it from the chart's other lines: its operation, size,
    /// page count (each when asked for) and the `differing` conditions.
    private static func label(_ cell: ReportCell, differing: [String], operation: Bool = false, bytes: Bool = false, pages: Bool = false) -> String {
        var parts = operation ? [cell.operation.rawValue] : []
        if bytes { parts.append(ReportFormat.bytes(cell.bytes)) }
        if pages { parts.append(ReportFormat.pages(cell.pages)) }
        parts += differing.map { "\($0)=\(cell.conditions.fields[$0] ?? "-")" }
        return parts.isEmpty ? cell.mode.rawValue : "\(cell.mode) · \(parts.joined(separator: ", "))"
    }

    /// The condition keys whose value is not the same in every one of `cells`, sorted.
    private static func differingConditions(_ cells: [ReportCell]) -> [String] {
        let keys = Set(cells.flatMap(\.conditions.fields.keys))
        return keys.filter { key in Set(cells.map { $0.conditions.fields[key] ?? "" }).count > 1 }.sorted()
    }

    /// What every one of `cells` shares: (with `bytes`) the size when it is one, and the conditions with one value.
    private static func commonDetail(_ cells: [ReportCell], bytes: Bool) -> String {
        var parts: [String] = []
        if bytes, let first = cells.first, cells.allSatisfy({ $0.bytes == first.bytes }) {
            parts.append(ReportFormat.bytes(first.bytes))
        }
        let shared = Set(cells.flatMap(\.conditions.fields.keys)).subtracting(differingConditions(cells)).sorted()
        parts += shared.map { "\($0)=\(cells[0].conditions.fields[$0] ?? "-")" }
        return parts.joined(separator: " · ")
    }
}

/// The distinct elements of `values` in the order they first appear.
func orderedUnique(_ values: [String]) -> [String] {
    var seen: Set<String> = []
    return values.filter { seen.insert($0).inserted }
}
