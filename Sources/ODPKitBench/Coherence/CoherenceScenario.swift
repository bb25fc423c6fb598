import ODPKit

/// One thing a process does to memory under a registration, after which the coherence matrix asks
/// whether the NIC still sees what the CPU sees: the mapping it starts from, the change, and what the
/// CPU may do with the range afterwards.
public struct CoherenceScenario: Sendable {
    /// What the CPU's protection lets it do with the range after the change (pages no longer mapped are
    /// `unmappedPages`).
    public enum CPUAccess: String, Sendable, Hashable, Codable {
        /// Read and write: the CPU's bytes are compared with the NIC's.
        case readWrite
        /// Read only (`PROT_READ`): a NIC WRITE that lands is through the protection.
        case readOnly
        /// Neither (`PROT_NONE`): a NIC READ that returns the bytes is through the protection.
        case none
    }

    /// A short name for the command line and report.json (`dontneed-all`).
    public var name: String
    /// What the scenario does, in a line.
    public var summary: String
    /// The mapping the cell registers.
    public var memory: ScenarioMemory.Kind
    public var pages: Int
    /// What the CPU may do with the range after the change (before `restore`).
    public var cpuAccess: CPUAccess
    /// The pages the change leaves unmapped: the CPU cannot look at them, and a NIC access that reaches
    /// them (a READ that returns bytes, a WRITE that completes) is through the protection.
    public var unmappedPages: Range<Int>
    /// Pages kept free after the mapping for a change that grows it in place.
    public var growthRoom: Int
    /// Byte patterns the change may leave in the range besides the CPU's original bytes and zeros: what
    /// the READ canary and the NIC's WRITE bytes must differ from, position by position.
    var patterns: [BytePattern]
    /// Makes the change; a throw is the verdict `refused` (the call that refused, its errno), or `n/a`
    /// with the error's reason when its code is `notApplicable`.
    var change: @Sendable (ScenarioMemory) throws(ODPKitError) -> Void
    /// Undoes what keeps the CPU from looking (a protection), after the NIC's access and before the CPU reads.
    var restore: (@Sendable (ScenarioMemory) throws(ODPKitError) -> Void)?

    init(
        _ name: String, _ summary: String, memory: ScenarioMemory.Kind = .privateAnonymous, pages: Int = 4,
        cpuAccess: CPUAccess = .readWrite, unmappedPages: Range<Int> = 0..<0, growthRoom: Int = 0, patterns: [BytePattern] = [],
        change: @escaping @Sendable (ScenarioMemory) throws(ODPKitError) -> Void,
        restore: (@Sendable (ScenarioMemory) throws(ODPKitError) -> Void)? = nil
    ) {
        self.name = name
        self.summary = summary
        self.memory = memory
        self.pages = pages
        self.cpuAccess = cpuAccess
        self.unmappedPages = unmappedPages
        self.growthRoom = growthRoom
        self.patterns = patterns
        self.change = change
        self.restore = restore
    }
}

extension ODPKitError.Code {
    /// A scenario's change found that the cell cannot be measured here (the reason says why): its verdict is `n/a`.
    static let notApplicable = ODPKitError.Code(name: "not-applicable")
}
