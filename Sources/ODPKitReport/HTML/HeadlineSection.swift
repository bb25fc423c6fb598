/// The page's opening table: per mode, what a reader came for (`ModeHeadline`), `-` where the run did
/// not measure it.
enum HeadlineSection {
    /// The column titles.
    static let columns = [
        "mode", "registration fixed µs", "registration per GiB ms", "1-page NIC fault µs",
        "MADV_DONTNEED µs", "MADV_DONTNEED → coherent µs", "coherent cells",
    ]

    /// The columns that hold numbers, aligned right.
    static let numericColumns: Set<Int> = Set(1..<columns.count)

    /// One mode's row, as many fields as `columns`: times in µs (per GiB in ms), two decimals.
    static func row(_ headline: ModeHeadline) -> [String] {
        func figure(_ value: Double?, _ format: (Double) -> String) -> String { value.map(format) ?? "-" }
        return [
            headline.mode.rawValue,
            figure(headline.registrationFixedMicroseconds, ReportFormat.microseconds),
            figure(headline.registrationMicrosecondsPerGiB, ReportFormat.milliseconds),
            figure(headline.faultCostMicroseconds, ReportFormat.microseconds),
            figure(headline.dontNeedMicroseconds, ReportFormat.microseconds),
            figure(headline.coherentAgainMicroseconds, ReportFormat.microseconds),
            headline.coherenceCells == 0 ? "-" : "\(headline.coherentCells) of \(headline.coherenceCells)",
        ]
    }

    /// The section of `report`: the table, or that nothing was measured.
    static func render(_ report: LatencyReport) -> String {
        var out = "<section id=\"headline\">\n<h2>Per mode, in short</h2>\n"
        let headlines = ModeHeadline.all(report)
        guard headlines.contains(where: { !$0.isEmpty }) else { return out + ReportHTML.notMeasured + "</section>\n" }
        out += "<div class=\"scroll\"><table class=\"cells headline\">\n" + ReportHTML.headerRow(columns, numeric: numericColumns) + "<tbody>\n"
        for headline in headlines {
            out += "<tr>"
            for (column, field) in row(headline).enumerated() {
                out += column == 0 ? ReportHTML.modeCell(.registration(headline.mode)) : ReportHTML.dataCell(field, numeric: numericColumns.contains(column))
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table></div>\n"
        return out + "<p class=\"legend\">Medians. Registration: the fit of registration time against size with the pages absent and THP off (below). "
            + "NIC fault: the first RDMA READ of one dropped page over its control, the same steps with a spare page dropped instead (fault − control, the Hodges–Lehmann shift; in reports without controls, minus the same READ on the present page); pinned takes no fault (the NIC keeps the old page: stale in the matrix), so its figure is no fault's cost. "
            + "MADV_DONTNEED: the call on one page of a registered range; → coherent: from the call's start until the NIC sees what the CPU sees again: ODP's call (its MMU notifier invalidates within it), the mirror's window (its eager refresher re-pins the chunk), none for pinned (it keeps the old page). "
            + "Coherent cells: the mode's cells of the coherence matrix (next) whose every check was coherent. A dash: the run did not measure it.</p>\n</section>\n"
    }
}
