import Foundation

/// A report as one self-contained HTML page: no scripts, no fetches; inline CSS and SVG charts.
///
/// Sections: the headline per mode (`HeadlineSection`); the coherence matrix (`CoherenceSection`); the
/// testbed and settings; registration and deregistration time against region size, with
/// their fixed cost and cost per GiB (`RegistrationFit`); fault
/// latency distributions and each fault's cost over its control (`FaultCost`); invalidation latency distributions; perftest's numbers beside odpkit's warm
/// ones; every cell as a table; notes. A section with nothing measured says so instead of vanishing.
public enum ReportHTML {
    /// The page for `report`; every text from the report is escaped.
    public static func render(_ report: LatencyReport) -> String {
        var page = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>odpkit report — \(report.testbed.summary.htmlEscaped)</title>\n<style>\(style)</style>\n</head>\n<body>\n<main>\n"
        page += header(report.testbed, partial: report.partial)
        page += HeadlineSection.render(report)
        page += CoherenceSection.render(report.coherence)
        page += facts(report)
        page += registrationSection(report.cells, fits: report.fits)
        page += faultSection(report.cells, costs: report.faultCosts)
        page += invalidationSection(report.cells)
        page += perftestSection(report)
        page += cellTable(report.cells)
        page += notesSection(report.notes)
        return page + "</main>\n</body>\n</html>\n"
    }

    static let notMeasured = "<p class=\"empty\">not measured in this run</p>\n"

    /// The title, the testbed's line, on a partial report its warning, and on an emulated CPU the warning.
    private static func header(_ testbed: TestbedLabel, partial: Bool) -> String {
        var out = "<header>\n<h1>odpkit latency report\(partial ? " (partial)" : "")</h1>\n<p class=\"testbed\">\(testbed.summary.htmlEscaped)</p>\n"
        if partial {
            out += "<p class=\"warning partial\">Partial report: the run was interrupted before it measured everything it was asked to. It shows the cells measured until then; the notes say where it stopped.</p>\n"
        }
        if testbed.emulated {
            out += "<p class=\"warning\">The CPU is emulated (qemu TCG): every time is inflated. Compare the modes with each other, not with hardware.</p>\n"
        }
        return out + "</header>\n"
    }

    /// The testbed's facts and the run's settings, side by side.
    private static func facts(_ report: LatencyReport) -> String {
        let testbed = report.testbed
        let machine: [(String, String)] = [
            ("testbed", testbed.testbed ?? "-"), ("device", testbed.device), ("driver", testbed.driver),
            ("kernel", testbed.kernel), ("rdma-core", testbed.rdmaCore), ("CPU", testbed.cpu),
            ("emulated", testbed.emulated ? "yes (qemu TCG)" : "no"), ("THP", testbed.thp),
            ("RLIMIT_MEMLOCK", testbed.memlock), ("fork", testbed.forkMode),
        ]
        let run: [(String, String)] = [
            ("started", report.startedAt), ("duration", duration(report.durationSeconds)),
            ("cells", String(report.cells.count)), ("schema", report.schema),
        ] + report.settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return "<section id=\"run\">\n<h2>Testbed and run</h2>\n<div class=\"facts\">\n"
            + keyValueTable("Testbed", machine) + keyValueTable("Run and settings", run) + "</div>\n</section>\n"
    }

    private static func keyValueTable(_ caption: String, _ rows: [(String, String)]) -> String {
        var out = "<table class=\"kv\"><caption>\(caption.htmlEscaped)</caption>\n"
        for (key, value) in rows {
            out += "<tr><th>\(key.htmlEscaped)</th><td>\(value.htmlEscaped)</td></tr>\n"
        }
        return out + "</table>\n"
    }

    private static func registrationSection(_ cells: [ReportCell], fits: [RegistrationFit]) -> String {
        var out = "<section id=\"registration\">\n<h2>Registration and deregistration</h2>\n"
        out += "<p class=\"lead\">Time of one call against the region's size, both axes logarithmic: the marker is the median (t_typical), the whisker reaches p99.</p>\n"
        for (probe, name) in [(Probe.registration, "Registration"), (.deregistration, "Deregistration")] {
            if let figure = ReportCharts.sizeChart(probe, cells: cells) {
                out += "<div class=\"charts wide\">\n\(figureHTML(figure))</div>\n"
            } else {
                out += "<h3>\(name)</h3>\n" + notMeasured
            }
        }
        return out + fitTable(fits, cells: cells) + "</section>\n"
    }

    /// The fits of the registration charts' lines in `FitTable`'s columns; nothing without any cells to fit.
    private static func fitTable(_ fits: [RegistrationFit], cells: [ReportCell]) -> String {
        guard cells.contains(where: { RegistrationFit.probes.contains($0.probe) }) else { return "" }
        var out = "<h3>Fixed cost and cost per GiB</h3>\n"
        out += "<p class=\"lead\">Each line as time = fixed + slope × size, fitted to its medians by least squares weighted by 1/t² (so every size counts by its relative error). A slope near zero is an O(1) cost (ODP registers no pages); a large one is O(size) (every page pinned). R² is the share of the variation the size explains: near 1 for O(size), and of little meaning for a flat line.</p>\n"
        guard !fits.isEmpty else { return out + "<p class=\"empty\">no fit: a line needs at least three sizes</p>\n" }
        out += "<div class=\"scroll\"><table class=\"cells\">\n" + headerRow(FitTable.columns, numeric: FitTable.numericColumns) + "<tbody>\n"
        for fit in fits {
            out += "<tr>"
            for (column, field) in FitTable.row(fit).enumerated() {
                out += column == 1 ? modeCell(fit.mode) : dataCell(field, numeric: FitTable.numericColumns.contains(column))
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n"
    }

    /// A table's column titles as its `<thead>`, the `numeric` columns aligned right.
    static func headerRow(_ columns: [String], numeric: Set<Int>) -> String {
        let titles = columns.enumerated().map { column, title in "<th\(numeric.contains(column) ? " class=\"num\"" : "")>\(title.htmlEscaped)</th>" }
        return "<thead><tr>" + titles.joined() + "</tr></thead>\n"
    }

    /// A table cell holding `text`, right-aligned when it is `numeric`.
    static func dataCell(_ text: String, numeric: Bool) -> String {
        "<td\(numeric ? " class=\"num\"" : "")>\(text.htmlEscaped)</td>"
    }

    /// A table cell naming `mode`, after a swatch of its colour in the charts.
    static func modeCell(_ mode: CellMode) -> String {
        "<td><span class=\"swatch\" style=\"background:\(SeriesStyle.color(mode: mode))\"></span>\(mode.rawValue.htmlEscaped)</td>"
    }

    private static func faultSection(_ cells: [ReportCell], costs: [FaultCost]) -> String {
        let figures = ReportCharts.distributionCharts([.fault, .remoteFault], cells: cells, size: \.pages, baseline: .warm) { cell in
            "\(cell.probe == .remoteFault ? "Remote fault" : "Fault"): \(cell.operation), \(ReportFormat.pages(cell.pages))"
        }
        let lead = "Latency of the first NIC access to pages without a translation, one line per mode; dashed, the same access warm (translation present): after an untimed access, and (control=dropped elsewhere) the fault's control. The percentile axis is linear up to 90 %, then gives each further nine (99, 99.9 %) as much room, so the tail shows as clearly as the body."
        return distributionSection(id: "faults", title: "NIC page faults", lead: lead, figures: figures, after: costs.isEmpty ? "" : faultCostTable(costs))
    }

    /// The fault costs in `FaultCostTable`'s columns.
    private static func faultCostTable(_ costs: [FaultCost]) -> String {
        var out = "<h3>Fault cost over its control</h3>\n"
        out += "<p class=\"lead\">Each fault sample is interleaved with a control sample that takes the same steps (an untimed access, MADV_DONTNEED, any prefetch, the timed access, the CPU's refill) but drops and refills a spare page of the region instead of the accessed ones, so only the NIC's fault tells them apart. A row in red lies wholly below zero: the fault measured cheaper than its control. fault − control is the Hodges–Lehmann shift (the median of every fault sample's difference from every control sample), with Moses' distribution-free \(Int(FaultCost.confidence * 100)) % interval; times in µs.</p>\n"
        out += "<div class=\"scroll\"><table class=\"cells\">\n" + headerRow(FaultCostTable.columns, numeric: FaultCostTable.numericColumns) + "<tbody>\n"
        for cost in costs {
            out += cost.negative ? "<tr class=\"negative\">" : "<tr>"
            for (column, field) in FaultCostTable.row(cost).enumerated() {
                out += column == 0 ? modeCell(cost.mode) : dataCell(field, numeric: FaultCostTable.numericColumns.contains(column))
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n"
    }

    private static func invalidationSection(_ cells: [ReportCell]) -> String {
        let figures = ReportCharts.distributionCharts([.invalidation, .window], cells: cells, size: \.bytes) { cell in
            let size = ReportFormat.bytes(cell.bytes)
            return cell.probe == .window
                ? "Invalidation window: \(cell.operation == .window ? size : "\(cell.operation) of \(size)")"
                : "Invalidation: \(cell.operation) of \(size)"
        }
        let lead = "Latency of changing the CPU's mapping under a registered region (the call itself), and of the invalidation window (the change seen → the NIC's translation coherent again)."
        return distributionSection(id: "invalidations", title: "Invalidations", lead: lead, figures: figures)
    }

    /// A section of `figures` under `title` and `lead`, then `after` (HTML).
    private static func distributionSection(id: String, title: String, lead: String, figures: [ReportCharts.Figure], after: String = "") -> String {
        var out = "<section id=\"\(id)\">\n<h2>\(title.htmlEscaped)</h2>\n<p class=\"lead\">\(lead.htmlEscaped)</p>\n"
        guard !figures.isEmpty else { return out + notMeasured + after + "</section>\n" }
        out += "<div class=\"charts\">\n" + figures.map(figureHTML).joined() + "</div>\n"
        return out + after + "</section>\n"
    }

    private static func figureHTML(_ figure: ReportCharts.Figure) -> String {
        let detail = figure.detail.isEmpty ? "" : " <span class=\"detail\">\(figure.detail.htmlEscaped)</span>"
        return "<figure>\n<figcaption><strong>\(figure.title.htmlEscaped)</strong>\(detail)</figcaption>\n\(figure.svg)\n</figure>\n"
    }

    /// Every cell in `SummaryTable`'s columns, grouped by probe; a group's heading names the conditions all
    /// its cells share, so each row lists only those that differ.
    private static func cellTable(_ cells: [ReportCell]) -> String {
        var out = "<section id=\"cells\">\n<h2>All cells</h2>\n"
        guard !cells.isEmpty else { return out + notMeasured + "</section>\n" }
        out += "<p class=\"lead\">Times in µs, perftest's columns; failed samples are counted, not summarised.</p>\n"
        out += "<div class=\"scroll\"><table class=\"cells\">\n" + headerRow(SummaryTable.columns, numeric: SummaryTable.numericColumns)
        for probe in Probe.allCases {
            let group = cells.filter { $0.probe == probe }
            guard !group.isEmpty else { continue }
            let conditionKeys = Set(group.flatMap(\.conditions.fields.keys))
            let shared = conditionKeys.filter { key in Set(group.map { $0.conditions.fields[key] }).count == 1 }.sorted()
            let sharedText = shared.map { "\($0)=\(group[0].conditions.fields[$0] ?? "")" }.joined(separator: ", ")
            out += "<tbody>\n<tr class=\"group\"><th colspan=\"\(SummaryTable.columns.count)\">\(probe.rawValue) — \(group.count) cell\(group.count == 1 ? "" : "s")"
            out += (sharedText.isEmpty ? "" : "; all with \(sharedText.htmlEscaped)") + "</th></tr>\n"
            for cell in group {
                out += cell.failures > 0 ? "<tr class=\"failed\">" : "<tr>"
                for (column, field) in SummaryTable.row(cell).enumerated() {
                    switch column {
                    case 1:
                        out += modeCell(cell.mode)
                    case 2:
                        // `madvise(MADV_DONTNEED)` may break after its parenthesis.
                        out += "<td class=\"operation\">\(field.htmlEscaped.replacingOccurrences(of: "(", with: "(<wbr>"))</td>"
                    case 5:
                        let own = cell.conditions.fields.filter { !shared.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                        out += "<td>\(own.isEmpty ? "-" : own.joined(separator: ", ").htmlEscaped)</td>"
                    default:
                        out += dataCell(field, numeric: SummaryTable.numericColumns.contains(column))
                    }
                }
                out += "</tr>\n"
            }
            out += "</tbody>\n"
        }
        return out + "</table></div>\n</section>\n"
    }

    /// perftest's results beside odpkit's pinned cells of the same measure, round by round
    /// (`PerftestComparison`): the verdict table, then every round's pair.
    private static func perftestSection(_ report: LatencyReport) -> String {
        var out = "<section id=\"perftest\">\n<h2>perftest comparison</h2>\n"
        guard !report.perftest.isEmpty else { return out + notMeasured + "</section>\n" }
        let tolerance = "\(Int(PerftestComparison.tolerance * 100)) %"
        out += "<p class=\"lead\">perftest and odpkit (pinned) measured the same in rounds in this boot: in each round a perftest run and odpkit's cell of the same measure, with as many samples as perftest's iterations, one right after the other (perftest first in odd rounds, odpkit in even ones), odpkit's measured by a fresh odpkit process as perftest's client is one (started and connected before either run). ib_read_lat reports a READ's round trip, set beside odpkit's RDMA READ; ib_write_lat half a write ping-pong's round trip, beside odpkit's write ping-pong halved the same way; ib_send_lat (a send ping-pong) has no odpkit counterpart. Times are the medians over the rounds of each run's t_typical, in µs. The ratio reads the two tools' runs as two samples, not pair by pair: under TCG a run's median sits on one of a few levels, and the level one run meets says little about the next run's. It is the Hodges–Lehmann estimate (the median of the ratios of every odpkit run to every perftest run), with Moses' distribution-free interval around it (the k-th smallest and largest of those ratios). Within \(tolerance): yes when the whole interval is at most 1 + \(tolerance), NO when all of it is above, undecided when it straddles: the testbed's noise is larger than the difference. The per-round ratios are shown for the levels each round met. The sweep columns are odpkit's message-size sweep per mode, measured apart from perftest.</p>\n"
        let versions = orderedUnique(report.perftest.map(\.version)).joined(separator: ", ")
        out += "<p class=\"lead\">perftest \(versions.htmlEscaped).</p>\n"
        let comparisons = PerftestComparison.all(report)
        let columns = PerftestComparison.columns
        out += "<div class=\"scroll\"><table class=\"cells\">\n" + headerRow(columns, numeric: PerftestComparison.numericColumns) + "<tbody>\n"
        for comparison in comparisons {
            out += "<tr>" + comparison.row.enumerated().map { column, field in
                dataCell(field, numeric: PerftestComparison.numericColumns.contains(column))
            }.joined() + "</tr>\n"
        }
        out += "</tbody>\n</table></div>\n<h3>Every round</h3>\n"
        let roundColumns = ["test", "bytes", "round", "first", "perftest t_min", "perftest t_typical", "perftest 99%", "odpkit t_min", "odpkit t_typical", "odpkit 99%", "odpkit/perftest"]
        let textColumns: Set = [0, 3]
        let numeric = Set(roundColumns.indices).subtracting(textColumns)
        out += "<div class=\"scroll\"><table class=\"cells\">\n" + headerRow(roundColumns, numeric: numeric) + "<tbody>\n"
        for comparison in comparisons {
            for round in comparison.rounds {
                let result = round.perftest
                let odpkit = round.odpkit.map { [$0.summary.minimum, $0.summary.typical, $0.summary.p99].map(ReportFormat.microseconds) } ?? ["-", "-", "-"]
                let fields = [result.test, String(result.bytes), result.round.map(String.init) ?? "-", result.round.map { PerftestPairing.first(round: $0).rawValue } ?? "-"]
                    + [result.tMin, result.tTypical, result.p99].map(ReportFormat.microseconds) + odpkit + [PerftestComparison.ratioText(round.ratio)]
                out += "<tr>" + fields.enumerated().map { dataCell($1, numeric: numeric.contains($0)) }.joined() + "</tr>\n"
            }
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }

    private static func notesSection(_ notes: [String]) -> String {
        var out = "<section id=\"notes\">\n<h2>Notes</h2>\n"
        guard !notes.isEmpty else { return out + "<p class=\"empty\">no notes for this run</p>\n</section>\n" }
        out += "<ul>\n" + notes.map { "<li>\($0.htmlEscaped)</li>\n" }.joined() + "</ul>\n"
        return out + "</section>\n"
    }

    /// `42.0 s`, `12 min 5 s`.
    private static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 120 else { return String(format: "%.1f s", seconds.isFinite ? seconds : 0) }
        let whole = Int(seconds.rounded())
        return "\(whole / 60) min \(whole % 60) s"
    }

    private static let style = """
        body { margin: 0; background: #f5f5f3; color: #1d1d1f; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
        main { max-width: 1200px; margin: 0 auto; padding: 20px 20px 48px; box-sizing: border-box; }
        h1 { font-size: 24px; margin: 0 0 8px; }
        h2 { font-size: 19px; margin: 34px 0 6px; padding-bottom: 4px; border-bottom: 1px solid #c8c8c8; }
        h3 { font-size: 15px; margin: 18px 0 4px; }
        .lead { margin: 4px 0 12px; color: #444; max-width: 900px; }
        .testbed { margin: 0 0 12px; padding: 8px 10px; background: #fff; border: 1px solid #d6d6d6; border-radius: 4px; font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
        .warning { margin: 0 0 12px; padding: 6px 10px; background: #fff3dc; border: 1px solid #e0a030; border-radius: 4px; }
        .facts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        table.headline { font-size: 14px; width: auto; }
        table.headline th, table.headline td { padding: 5px 10px; }
        table.headline th { white-space: normal; vertical-align: bottom; max-width: 150px; }
        table.matrix { width: auto; font-size: 13px; }
        table.matrix td.verdict { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; cursor: help; white-space: normal; max-width: 330px; overflow-wrap: anywhere; }
        .v-coherent { background: #d8f0d8; color: #145214; }
        .v-stale { background: #f8d4d4; color: #8a1010; font-weight: 600; }
        .v-through-protection { background: #fde2c0; color: #8a4500; font-weight: 600; }
        .v-other { background: #e6e6e6; color: #444; }
        .legend { font-size: 13px; color: #444; max-width: 1100px; }
        .legend span.verdict { white-space: nowrap; padding: 1px 6px; border-radius: 3px; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        table { border-collapse: collapse; background: #fff; }
        caption { text-align: left; font-weight: 600; padding: 0 0 4px; }
        .kv { border: 1px solid #d6d6d6; font-size: 13px; }
        .kv th { text-align: left; font-weight: 600; color: #444; padding: 3px 14px 3px 8px; vertical-align: top; white-space: nowrap; }
        .kv td { padding: 3px 8px; max-width: 420px; overflow-wrap: anywhere; }
        .kv tr:nth-child(even) { background: #f7f7f7; }
        .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; margin: 0 0 16px; }
        .charts.wide { grid-template-columns: minmax(0, 1fr); }
        figure { margin: 0; padding: 10px 12px 8px; background: #fff; border: 1px solid #d6d6d6; border-radius: 4px; }
        figcaption { margin: 0 0 6px; }
        figcaption .detail { display: block; color: #555; font-size: 13px; }
        svg { display: block; max-width: 100%; height: auto; }
        .scroll { overflow-x: auto; }
        .cells { width: 100%; font-size: 12px; border: 1px solid #d6d6d6; }
        .cells th { position: sticky; top: 0; background: #ececea; text-align: left; font-weight: 600; }
        .cells th, .cells td { padding: 3px 4px; border-bottom: 1px solid #e6e6e6; white-space: nowrap; }
        .cells td.operation { white-space: normal; min-width: 90px; }
        .cells tr.group th { position: static; background: #f3f3f0; padding-top: 8px; font-weight: 600; color: #333; }
        .cells tbody tr:hover { background: #f3f7fb; }
        .cells tr.failed td:last-child { color: #b00020; font-weight: 600; }
        .cells tr.negative td { color: #b00020; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        th.num { text-align: right; }
        .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
        .empty { color: #666; font-style: italic; }
        """
}
