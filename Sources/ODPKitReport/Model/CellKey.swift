public import ODPKit

/// What identifies a report cell: which probe, mode and operation, on how much memory, under which
/// conditions. Two measurements of one key are one cell.
public struct CellKey: Sendable, Hashable, Codable {
    public var probe: Probe
    public var mode: CellMode
    /// What was timed.
    public var operation: CellOperation
    /// The region (or the operation's message) size.
    public var bytes: Int
    /// The pages the operation touched (faulted, invalidated).
    public var pages: Int
    public var conditions: CellConditions

    public init(probe: Probe, mode: CellMode, operation: CellOperation, bytes: Int, pages: Int, conditions: CellConditions = CellConditions()) {
        self.probe = probe
        self.mode = mode
        self.operation = operation
        self.bytes = bytes
        self.pages = pages
        self.conditions = conditions
    }

    /// The key of a cell on a region of registration mode `mode`.
    public init(probe: Probe, mode: RegistrationMode, operation: CellOperation, bytes: Int, pages: Int, conditions: CellConditions = CellConditions()) {
        self.init(probe: probe, mode: .registration(mode), operation: operation, bytes: bytes, pages: pages, conditions: conditions)
    }

    /// One line: `fault odp RDMA READ 4096 B pages=absent;prefetch=none`.
    public var summary: String {
        "\(probe) \(mode) \(operation) \(bytes) B" + (conditions.text.isEmpty ? "" : " " + conditions.text)
    }
}
