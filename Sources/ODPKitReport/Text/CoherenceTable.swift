import ODPKit

/// The coherence matrix as a fixed-width text table: a row per scenario and NIC access, a column per mode.
///
/// ```
/// coherence: after the change the NIC touches the range first, then the CPU looks
/// scenario      access  pinned             odp       mirror    mirror window µs
/// dontneed-all  read    stale(4/4 pages)   coherent  coherent  <median>
/// ```
public enum CoherenceTable {
    /// The table's heading.
    static let heading = "coherence: after the change the NIC touches the range first, then the CPU looks"

    /// One row of the matrix: a scenario, the NIC's access, and its cell per mode.
    struct Row {
        var scenario: String
        var access: NICAccess
        var cells: [RegistrationMode: CoherenceCell]
    }

    /// The modes `cells` hold, in their own order: the matrix's columns.
    static func modes(_ cells: [CoherenceCell]) -> [RegistrationMode] {
        RegistrationMode.allCases.filter { mode in cells.contains { $0.mode == mode } }
    }

    /// The matrix's rows, one per scenario and access in the order `cells` first name them.
    static func rows(_ cells: [CoherenceCell]) -> [Row] {
        var rows: [Row] = []
        for cell in cells {
            if let index = rows.firstIndex(where: { $0.scenario == cell.scenario && $0.access == cell.access }) {
                rows[index].cells[cell.mode] = rows[index].cells[cell.mode] ?? cell
            } else {
                rows.append(Row(scenario: cell.scenario, access: cell.access, cells: [cell.mode: cell]))
            }
        }
        return rows
    }

    /// The last column's heading: the mirror's median window in the row, where it re-pinned chunks.
    static let windowColumn = "mirror window µs"

    /// The row's mirror window, formatted; `-` where the mirror re-pinned nothing (or was not measured).
    static func window(_ row: Row) -> String {
        row.cells[.mirror]?.windowMicroseconds.map(ReportFormat.microseconds) ?? "-"
    }

    /// The table of `cells`, modes in their own order, with the mirror's window last when it has one;
    /// nil without cells.
    public static func render(_ cells: [CoherenceCell]) -> String? {
        guard !cells.isEmpty else { return nil }
        let modes = modes(cells)
        let windowed = cells.contains { $0.windowNanoseconds != nil }
        let lines = [["scenario", "access"] + modes.map(\.rawValue) + (windowed ? [windowColumn] : [])] + rows(cells).map { row in
            [row.scenario, row.access.rawValue] + modes.map { row.cells[$0]?.verdict ?? "-" } + (windowed ? [window(row)] : [])
        }
        return ([heading] + TextTable.lines(lines, numericColumns: windowed ? [modes.count + 2] : [])).joined(separator: "\n")
    }
}
