/// The coherence matrix on the page: a row per scenario and NIC access, a column per mode, each verdict
/// coloured by what it means for the reader (`verdictClass`) and carrying its cell's detail as its title;
/// a legend says what each verdict means.
enum CoherenceSection {
    /// The legend: each verdict's class, spelling and meaning.
    static let legend: [(verdictClass: String, spelling: String, meaning: String)] = [
        ("v-coherent", "coherent", "the NIC and the CPU agree on every page"),
        ("v-stale", "stale(k/n pages)", "on k of n pages the NIC read or wrote other bytes than the CPU sees"),
        ("v-through-protection", "through-protection", "the NIC read or wrote memory the CPU's protection forbids the CPU"),
        ("v-other", "nic-error(…), refused(…), timed-out(…), n/a(…)",
         "the NIC's request completed with an error, a call refused before the NIC moved anything, no completion came, or the cell cannot be measured here"),
    ]

    /// The class that colours `cell`: `v-coherent` when every repetition was coherent, else
    /// `v-through-protection` or `v-stale` when any repetition was, else `v-other`.
    static func verdictClass(_ cell: CoherenceCell) -> String {
        let kinds = Set(cell.verdicts.map(\.kind))
        if kinds == ["coherent"] { return "v-coherent" }
        if kinds.contains("through-protection") { return "v-through-protection" }
        if kinds.contains("stale") { return "v-stale" }
        return "v-other"
    }

    /// The section of `cells`, or that the run did not measure the matrix.
    static func render(_ cells: [CoherenceCell]) -> String {
        var out = "<section id=\"coherence\">\n<h2>Coherence</h2>\n"
        guard !cells.isEmpty else { return out + ReportHTML.notMeasured + "</section>\n" }
        out += "<p class=\"lead\">After the CPU changes registered memory (the scenario), the NIC touches the range first (READ or WRITE), then the CPU looks: does the NIC see what the CPU sees? Hover over a verdict for what the bytes showed. The mirror's window: from the change's return until the mirror handed out coherent keys again, median over the repetitions where it re-pinned chunks.</p>\n"
        out += "<p class=\"legend\">" + legend.map { entry in
            "<span class=\"verdict \(entry.verdictClass)\">\(entry.spelling.htmlEscaped)</span> \(entry.meaning.htmlEscaped)"
        }.joined(separator: "; ") + ".</p>\n"
        let modes = CoherenceTable.modes(cells)
        let windowed = cells.contains { $0.windowNanoseconds != nil }
        let columns = ["scenario", "access"] + modes.map(\.rawValue) + (windowed ? [CoherenceTable.windowColumn] : [])
        out += "<div class=\"scroll\"><table class=\"cells matrix\">\n" + ReportHTML.headerRow(columns, numeric: windowed ? [columns.count - 1] : []) + "<tbody>\n"
        for row in CoherenceTable.rows(cells) {
            out += "<tr>" + ReportHTML.dataCell(row.scenario, numeric: false) + ReportHTML.dataCell(row.access.rawValue, numeric: false)
            for mode in modes {
                if let cell = row.cells[mode] {
                    out += "<td class=\"verdict \(verdictClass(cell))\" title=\"\(cell.detail.htmlEscaped)\">\(cell.verdict.htmlEscaped)</td>"
                } else {
                    out += ReportHTML.dataCell("-", numeric: false)
                }
            }
            if windowed { out += ReportHTML.dataCell(CoherenceTable.window(row), numeric: true) }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }
}
