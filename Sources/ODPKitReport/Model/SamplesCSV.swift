/// The raw samples of a run as CSV, one row per sample, written as they are measured:
///
/// ```
/// probe,mode,operation,bytes,pages,conditions,sample,nanoseconds
/// fault,odp,RDMA READ,65536,16,pages=absent;prefetch=none,0,812345
/// ```
///
/// Fields are quoted as RFC 4180 says: those with a comma, a quote or a line break are put in quotes,
/// quotes inside doubled.
public enum SamplesCSV {
    /// The header line, without its line break.
    public static let header = "probe,mode,operation,bytes,pages,conditions,sample,nanoseconds"

    /// The row of sample number `sample` of the cell `key`, without its line break.
    public static func row(_ key: CellKey, sample: Int, nanoseconds: UInt64) -> String {
        [
            key.probe.rawValue, key.mode.rawValue, key.operation.rawValue, String(key.bytes), String(key.pages),
            key.conditions.text, String(sample), String(nanoseconds),
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
