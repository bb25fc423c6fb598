/// The page's opening table: per mode, what a reader came for (`ModeHeadline`), `-` where the run did
/// not measure it.
enum HeadlineSection {
    /// The column titles.
    static let columns = [
        "mode", "registration fixed µs", "registration per GiB ms", "1-page NIC fault over warm µs",
        "MADV_DONTNEED µs", "mirror window µs", "coherent cells",
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
            figure(headline.windowMicroseconds, ReportFormat.microseconds),
            headline.coherenceCells == 0 ? "-" : "\(headline.coherentCells) of \(headline.coherenceCells)",
        ]
    }

    /// The section of `report`: the table, or that nothing was measured.
    static func render(_ report: LatencyReport) -> String {
        var out = "<section id=\"headline\">\n<h2>Per mode, in short</h2>\n"
        let headlines = ModeHeadline.all(report)
        guard headlines.contains(where: { !$0.isEmpty }) else { return out + ReportHTML.notMeasured + "</section>\n" }
        out += "<p class=\"lead\">Registration: the fixed cost and the cost per GiB of the registration fit with the pages absent and THP off (below). "
            + "NIC fault: the median of the first RDMA READ of one dropped page minus the median of the same READ on the present page. "
            + "MADV_DONTNEED: the median of madvise(MADV_DONTNEED) of one page of a registered range. "
            + "Mirror window: from that call until the mirror is coherent again. "
            + "Coherent cells: the coherence matrix's cells of the mode (next) that were coherent. "
            + "- where the run did not measure it.</p>\n"
        out += "<div class=\"scroll\"><table class=\"cells headline\">\n" + ReportHTML.headerRow(columns, numeric: numericColumns) + "<tbody>\n"
        for headline in headlines {
            out += "<tr>"
            for (column, field) in row(headline).enumerated() {
                out += column == 0 ? ReportHTML.modeCell(.registration(headline.mode)) : ReportHTML.dataCell(field, numeric: numericColumns.contains(column))
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }
}
