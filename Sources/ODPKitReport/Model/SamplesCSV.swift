/// The raw samples of a run as CSV, one row per sample, written as they are measured:
///
/// ```
/// probe,mode,operation,bytes,pages,conditions,sample,nanoseconds
/// fault,odp,RDMA READ,1073741824,16,pages=absent;thp=never,0,812345
/// ```
///
/// Fields are quoted as RFC 4180 says: those with a comma, a quote or a line break are put in quotes,
/// quotes inside doubled.
public enum SamplesCSV {
    /// The header line, without its line break.
    public static let header = "probe,mode,operation,bytes,pages,conditions,sample,nanoseconds"

    /// The row of sample number `sample` of `cell` (whose summary is not used), without its line break.
    public static func row(_ cell: ReportCell, sample: Int, nanoseconds: UInt64) -> String {
        [
            cell.probe.rawValue, cell.mode, cell.operation, String(cell.bytes), String(cell.pages),
            cell.conditionsText, String(sample), String(nanoseconds),
        ].map(field).joined(separator: ",")
    }

    /// `text` as one CSV field: as it is, or in quotes with its quotes doubled.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingQuotes() + "\""
    }
}

extension String {
    /// Every `"` doubled.
    fileprivate func replacingQuotes() -> String {
        var doubled = ""
        for character in self {
            if character == "\"" { doubled += "\"" }
            doubled.append(character)
        }
        return doubled
    }
}
