import ODPKit

/// The coherence matrix as a fixed-width text table: a row per scenario and NIC access, a column per mode.
///
/// ```
/// coherence: after the change the NIC touches the range first, then the CPU looks
/// scenario      access  pinned             odp       mirror
/// dontneed-all  read    stale(4/4 pages)   coherent  coherent
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

    /// The table of `cells`, modes in their own order; nil without cells.
    public static func render(_ cells: [CoherenceCell]) -> String? {
        guard !cells.isEmpty else { return nil }
        let modes = modes(cells)
        let lines = [["scenario", "access"] + modes.map(\.rawValue)] + rows(cells).map { row in
            [row.scenario, row.access.rawValue] + modes.map { row.cells[$0]?.verdict ?? "-" }
        }
        return ([heading] + TextTable.lines(lines, numericColumns: [])).joined(separator: "\n")
    }
}
