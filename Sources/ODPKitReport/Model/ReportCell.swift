/// One measured configuration of a report: its key (probe, mode, operation, size, conditions) and the
/// latency of its samples. The key's fields read as the cell's own (`cell.mode`).
///
/// report.json holds a cell as one object: the key's fields (`probe`, `mode`, `operation`, `bytes`,
/// `pages`, `conditions`) beside `summary` and `failures`.
@dynamicMemberLookup
public struct ReportCell: Sendable, Codable, Hashable {
    public var key: CellKey
    public var summary: LatencySummary
    /// Samples that failed (an error or a bad completion); they are counted here, not in `summary`.
    public var failures: Int

    public init(key: CellKey, summary: LatencySummary, failures: Int = 0) {
        self.key = key
        self.summary = summary
        self.failures = failures
    }

    public subscript<Value>(dynamicMember field: WritableKeyPath<CellKey, Value>) -> Value {
        get { key[keyPath: field] }
        set { key[keyPath: field] = newValue }
    }

    private enum CodingKeys: String, CodingKey {
        case summary, failures
    }

    public init(from decoder: any Decoder) throws {
        key = try CellKey(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        summary = try container.decode(LatencySummary.self, forKey: .summary)
        failures = try container.decode(Int.self, forKey: .failures)
    }

    public func encode(to encoder: any Encoder) throws {
        try key.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(summary, forKey: .summary)
        try container.encode(failures, forKey: .failures)
    }
}
