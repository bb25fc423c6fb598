/// Rows of fields as fixed-width text: each column as wide as its widest field, numbers aligned right,
/// two spaces between columns, no trailing spaces.
package enum TextTable {
    /// One line per row of `rows`, all as long as the first (the titles, if they are in it); the fields of
    /// `numericColumns` align right.
    package static func lines(_ rows: [[String]], numericColumns: Set<Int>) -> [String] {
        let widths = (rows.first ?? []).indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { fields in
            fields.enumerated().map { column, field in
                let padding = String(repeating: " ", count: widths[column] - field.count)
                return numericColumns.contains(column) ? padding + field : field + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    /// Without the spaces that pad its last column.
    fileprivate func trimmingTrailingSpaces() -> String {
        String(reversed().drop { $0 == " " }.reversed())
    }
}
