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

    /// The table of `cells`, modes in their own order; nil without cells.
    public static func render(_ cells: [CoherenceCell]) -> String? {
        guard !cells.isEmpty else { return nil }
        let modes = RegistrationMode.allCases.filter { mode in cells.contains { $0.mode == mode } }
        var rows: [[String]] = [["scenario", "access"] + modes.map(\.rawValue)]
        var seen: [String] = []
        for cell in cells {
            let row = "\(cell.scenario)\u{0}\(cell.access.rawValue)"
            guard !seen.contains(row) else { continue }
            seen.append(row)
            rows.append([cell.scenario, cell.access.rawValue] + modes.map { mode in
                cells.first { $0.scenario == cell.scenario && $0.access == cell.access && $0.mode == mode }?.verdict ?? "-"
            })
        }
        return ([heading] + TextTable.lines(rows, numericColumns: [])).joined(separator: "\n")
    }
}
