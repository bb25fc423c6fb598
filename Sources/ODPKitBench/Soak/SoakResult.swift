public import ODPKit
public import ODPKitReport

/// One mode's soak: what was counted and measured, and whether the mode kept its claim.
public struct SoakResult: Sendable, Codable {
    public var mode: RegistrationMode
    public var settings: SoakSettings
    /// Bytes checked from each page's start.
    public var checkedBytes: Int
    /// From the threads' start until the last one ended.
    public var seconds: Double
    public var counts: SoakCounts
    /// Checked accesses per second.
    public var accessesPerSecond: Double
    public var changesPerSecond: Double
    /// Invalidation events the mirror heard (its `MirrorStatistics`); nil where none is counted: pinned
    /// has no invalidation, and the kernel keeps no count of an ODP region's (the changes are counted).
    public var invalidations: Int?
    /// What the mirror measured of itself during the soak; nil for pinned and ODP.
    public var mirror: Mirror?
    /// The device port's hardware counters that moved during the soak, by how much; nil when sysfs shows none.
    public var portCounters: [String: UInt64]?

    /// The mirror's own figures.
    public struct Mirror: Sendable, Codable {
        public var refaults: Int
        public var retries: Int
        public var eagerFailures: Int
        public var orphansRepinned: Int
        public var zapsNeverSeen: Int
        /// Event read → chunk coherent again, in microseconds (`invalidationWindow`).
        public var window: LatencySummary

        public init(_ statistics: MirrorStatistics) {
            refaults = statistics.refaults
            retries = statistics.retries
            eagerFailures = statistics.eagerFailures
            orphansRepinned = statistics.orphansRepinned
            zapsNeverSeen = statistics.zapsNeverSeen
            window = LatencySummary(histogram: statistics.invalidationWindow)
            window.cdf = []
        }
    }

    public init(mode: RegistrationMode, settings: SoakSettings, checkedBytes: Int, seconds: Double, counts: SoakCounts,
                mirror: MirrorStatistics?, portCounters: [String: UInt64]?) {
        self.mode = mode
        self.settings = settings
        self.checkedBytes = checkedBytes
        self.seconds = seconds
        self.counts = counts
        accessesPerSecond = seconds > 0 ? Double(counts.accesses) / seconds : 0
        changesPerSecond = seconds > 0 ? Double(counts.changeCount) / seconds : 0
        invalidations = mirror?.invalidations
        self.mirror = mirror.map(Mirror.init)
        self.portCounters = portCounters
    }

    /// Whether the mode claims that the NIC sees the CPU's latest write after every change: ODP and the
    /// mirror do; pinned does not (its mismatches show that the checker sees staleness).
    public var claimsCoherence: Bool { mode != .pinned }

    /// Why the soak of a mode that claims coherence failed, nil when it held: a mismatch, a failed
    /// access, a thread that stopped, or nothing checked or changed at all.
    public var failure: String? {
        guard claimsCoherence else { return nil }
        var reasons: [String] = []
        if counts.mismatches > 0 { reasons.append("\(counts.mismatches) mismatches in \(counts.accesses) checked accesses") }
        if counts.failedAccesses > 0 { reasons.append("\(counts.failedAccesses) failed accesses") }
        if !counts.stoppedThreads.isEmpty { reasons.append("\(counts.stoppedThreads.count) threads stopped early") }
        if counts.accesses == 0 { reasons.append("no access was checked") }
        if counts.changeCount == 0 { reasons.append("no change was made") }
        return reasons.isEmpty ? nil : "\(mode): " + reasons.joined(separator: ", ")
    }
}
