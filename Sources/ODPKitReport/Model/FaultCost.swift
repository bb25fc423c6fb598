/// What a NIC page fault adds to an access: a fault cell against its control (the same access, after the
/// same steps, on pages left present), as the Hodges–Lehmann shift of the fault's samples over the
/// control's with its interval (`HodgesLehmannShift`). Computed from the raw samples when the report is
/// made, since report.json keeps only the cells' summaries.
///
/// report.json holds it as one object in `faultCosts`: `mode`, `operation`, `bytes`, `pages`,
/// `conditions` (the fault cell's), the medians, the shift and (when there is one) its interval.
public struct FaultCost: Sendable, Codable, Hashable {
    public var mode: CellMode
    public var operation: CellOperation
    public var bytes: Int
    public var pages: Int
    /// The fault cell's conditions (`pages=absent` and its prefetch).
    public var conditions: CellConditions
    public var faultSamples: Int
    public var controlSamples: Int
    /// The fault cell's median in µs.
    public var faultMedian: Double
    /// The control cell's median in µs.
    public var controlMedian: Double
    /// fault − control in µs: the median of every fault sample's difference from every control sample's.
    public var estimate: Double
    /// The interval's ends in µs and its coverage; nil when the samples are too few for one.
    public var lower: Double?
    public var upper: Double?
    public var coverage: Double?

    /// The confidence of the interval asked for.
    public static let confidence = 0.9

    /// The cost of the fault cell `fault` measured as `faultNanoseconds` over its control's
    /// `controlNanoseconds`; nil when either has no samples.
    public init?(fault: CellKey, faultNanoseconds: [UInt64], controlNanoseconds: [UInt64]) {
        guard let shift = HodgesLehmannShift(faultNanoseconds, over: controlNanoseconds, confidence: Self.confidence) else { return nil }
        mode = fault.mode
        operation = fault.operation
        bytes = fault.bytes
        pages = fault.pages
        conditions = fault.conditions
        faultSamples = faultNanoseconds.count
        controlSamples = controlNanoseconds.count
        faultMedian = LatencySummary(nanoseconds: faultNanoseconds).typical
        controlMedian = LatencySummary(nanoseconds: controlNanoseconds).typical
        estimate = shift.estimate
        lower = shift.interval?.lower
        upper = shift.interval?.upper
        coverage = shift.interval?.coverage
    }

    /// Whether the whole interval lies below zero: the fault measured cheaper than its control.
    public var negative: Bool {
        upper.map { $0 < 0 } ?? false
    }
}
