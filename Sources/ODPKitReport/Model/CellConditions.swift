public import ODPKit

/// What else was set when a report cell was measured, each field nil when it does not apply.
///
/// report.json writes the conditions as an object of strings (`{"pages": "absent", "prefetch": "sync"}`)
/// and samples.csv and the tables as `k=v;k=v`, sorted by key; both spellings are made here only.
public struct CellConditions: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Whether the pages were present (the translation in place) or absent (dropped) before the operation.
    public enum Pages: String, Sendable, Hashable, CaseIterable {
        case present, absent
    }

    /// Whether the region was advised to transparent huge pages.
    public enum HugePages: String, Sendable, Hashable, CaseIterable {
        case on, off
    }

    /// How an ODP fault was prepared: not, by a prefetch waited for, or by one not waited for.
    public enum Prefetch: String, Sendable, Hashable, CaseIterable {
        /// No prefetch (spelled `none`).
        case notIssued = "none"
        case sync, async
    }

    /// Which series of warm cells a cell belongs to.
    public enum Sweep: String, Sendable, Hashable, CaseIterable {
        /// The warm probe's sweep over message sizes.
        case messageSize = "message size"
        /// odpkit's side of the perftest rounds.
        case perftestRounds = "perftest rounds"
    }

    /// A measuring tool.
    public enum Tool: String, Sendable, Hashable, CaseIterable {
        case odpkit, perftest
    }

    /// The process a cell was measured in.
    public enum Process: String, Sendable, Hashable, CaseIterable {
        /// A process started for this cell alone.
        case fresh
    }

    /// Whose memory an operation touched: this host's, or a peer's.
    public enum Side: String, Sendable, Hashable, CaseIterable {
        case local, remote
    }

    /// What a control cell did in place of the step its fault cell is measured after.
    public enum Control: String, Sendable, Hashable, CaseIterable {
        /// The fault's `MADV_DONTNEED` and CPU refill went to a spare page of the region, outside the
        /// accessed pages, which stay present.
        case droppedElsewhere = "dropped elsewhere"
    }

    public var pages: Pages?
    /// `thp`.
    public var hugePages: HugePages?
    public var prefetch: Prefetch?
    public var sweep: Sweep?
    /// The perftest round (1, 2, …).
    public var round: Int?
    /// The tool that went first in the round.
    public var first: Tool?
    public var process: Process?
    /// When a mirror region re-pins an invalidated chunk.
    public var refresh: MirrorRegion.Refresh?
    public var side: Side?
    public var control: Control?
    /// The change to the mapping that made the pages absent (`MappingChange`'s raw value: `dontneed`,
    /// `munmap-mmap`, …), where the operation does not name it.
    public var change: MappingChange?

    public init(
        pages: Pages? = nil, hugePages: HugePages? = nil, prefetch: Prefetch? = nil, sweep: Sweep? = nil, round: Int? = nil,
        first: Tool? = nil, process: Process? = nil, refresh: MirrorRegion.Refresh? = nil, side: Side? = nil,
        control: Control? = nil, change: MappingChange? = nil
    ) {
        self.pages = pages
        self.hugePages = hugePages
        self.prefetch = prefetch
        self.sweep = sweep
        self.round = round
        self.first = first
        self.process = process
        self.refresh = refresh
        self.side = side
        self.control = control
        self.change = change
    }

    /// The conditions as report.json names them: key (`pages`, `thp`, `prefetch`, `sweep`, `round`,
    /// `first`, `process`, `refresh`, `side`, `control`, `change`) to value, the fields that are set.
    public var fields: [String: String] {
        var fields: [String: String] = [:]
        fields["pages"] = pages?.rawValue
        fields["thp"] = hugePages?.rawValue
        fields["prefetch"] = prefetch?.rawValue
        fields["sweep"] = sweep?.rawValue
        fields["round"] = round.map(String.init)
        fields["first"] = first?.rawValue
        fields["process"] = process?.rawValue
        fields["refresh"] = refresh?.rawValue
        fields["side"] = side?.rawValue
        fields["control"] = control?.rawValue
        fields["change"] = change?.rawValue
        return fields
    }

    /// The conditions named by `fields`, as `fields` gives them; throws `.invalidArgument` naming an
    /// unknown key or value.
    public init(fields: [String: String]) throws(ODPKitError) {
        self.init()
        for (key, value) in fields {
            func parse<Value>(_ make: (String) -> Value?) throws(ODPKitError) -> Value {
                guard let parsed = make(value) else {
                    throw ODPKitError(.invalidArgument, function: "CellConditions(fields:)", reason: "unknown value \(value) of condition \(key)")
                }
                return parsed
            }
            switch key {
            case "pages": pages = try parse(Pages.init(rawValue:))
            case "thp": hugePages = try parse(HugePages.init(rawValue:))
            case "prefetch": prefetch = try parse(Prefetch.init(rawValue:))
            case "sweep": sweep = try parse(Sweep.init(rawValue:))
            case "round": round = try parse { Int($0) }
            case "first": first = try parse(Tool.init(rawValue:))
            case "process": process = try parse(Process.init(rawValue:))
            case "refresh": refresh = try parse(MirrorRegion.Refresh.init(rawValue:))
            case "side": side = try parse(Side.init(rawValue:))
            case "control": control = try parse(Control.init(rawValue:))
            case "change": change = try parse(MappingChange.init(rawValue:))
            default: throw ODPKitError(.invalidArgument, function: "CellConditions(fields:)", reason: "unknown condition \(key)=\(value)")
            }
        }
    }

    /// The conditions as `k=v;k=v`, sorted by key; empty when there are none.
    public var text: String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.singleValueContainer().decode([String: String].self)
        do {
            try self.init(fields: fields)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }
}
