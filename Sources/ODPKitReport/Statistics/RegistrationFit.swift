/// A straight line through one registration or deregistration series (one probe, mode and combination
/// of conditions): median time = fixed + slope × region size, so an O(size) cost (a large slope) shows
/// apart from an O(1) one (a slope near zero).
///
/// The line is a weighted least-squares fit with weights 1/t² (t the median in µs): it minimises the
/// relative error, so every size counts alike. An unweighted fit over sizes doubling up to 1 GiB is
/// decided by its largest points and can miss a fixed cost of tens of µs by hundreds. Cells without
/// samples (or with a median of zero) are left out; a series with fewer than three sizes has no fit.
///
/// `rSquared` is the weighted R²: the share of the times' (weighted) variation the size explains. Near 1
/// for an O(size) cost; for an O(1) cost there is nothing to explain and it says little: read the slope.
/// It is 1 when all times are equal.
public struct RegistrationFit: Sendable, Codable, Hashable {
    /// `.registration` or `.deregistration`.
    public var probe: Probe
    public var mode: CellMode
    public var conditions: CellConditions
    /// The cost at size zero, in µs.
    public var fixedMicroseconds: Double
    /// The slope: what each further GiB adds, in µs.
    public var microsecondsPerGiB: Double
    /// How many sizes the fit used.
    public var sizes: Int
    public var minimumBytes: Int
    public var maximumBytes: Int
    public var rSquared: Double

    /// The probes whose cells are fitted.
    public static let probes: [Probe] = [.registration, .deregistration]

    /// The fit of one series, its medians (µs) at region sizes (bytes); nil with fewer than three distinct
    /// sizes among the points with a positive time.
    public init?(probe: Probe, mode: CellMode, conditions: CellConditions, points: [(bytes: Int, microseconds: Double)]) {
        let used = points.filter { $0.microseconds > 0 && $0.microseconds.isFinite }
        let distinct = Set(used.map(\.bytes))
        guard distinct.count >= 3 else { return nil }
        let gib = Double(1 << 30)
        let x = used.map { Double($0.bytes) / gib }, y = used.map(\.microseconds)
        let weight = y.map { 1 / ($0 * $0) }
        let total = weight.reduce(0, +)
        func mean(_ values: [Double]) -> Double { zip(weight, values).reduce(0) { $0 + $1.0 * $1.1 } / total }
        let meanX = mean(x), meanY = mean(y)
        let spread = mean(x.map { ($0 - meanX) * ($0 - meanX) })
        let slope = mean(zip(x, y).map { ($0 - meanX) * ($1 - meanY) }) / spread
        let fixed = meanY - slope * meanX
        let residual = mean(zip(x, y).map { $1 - fixed - slope * $0 }.map { $0 * $0 })
        let variation = mean(y.map { ($0 - meanY) * ($0 - meanY) })
        self.probe = probe
        self.mode = mode
        self.conditions = conditions
        self.fixedMicroseconds = fixed
        self.microsecondsPerGiB = slope
        self.sizes = distinct.count
        self.minimumBytes = distinct.min() ?? 0
        self.maximumBytes = distinct.max() ?? 0
        let varies = variation > 0 && y.contains { $0 != y[0] }
        self.rSquared = varies ? min(1, max(0, 1 - residual / variation)) : 1
    }

    /// The fits of every registration and deregistration series of `cells` that has one: by probe, then
    /// mode (pinned, odp, mirror, …), then conditions.
    public static func fits(_ cells: [ReportCell]) -> [RegistrationFit] {
        let fitted = cells.filter { probes.contains($0.probe) && $0.summary.samples > 0 }
        var series: [SeriesKey: [ReportCell]] = [:]
        for cell in fitted {
            series[SeriesKey(probe: cell.probe, mode: cell.mode, conditions: cell.conditions), default: []].append(cell)
        }
        return series.values.compactMap { cells in
            RegistrationFit(
                probe: cells[0].probe, mode: cells[0].mode, conditions: cells[0].conditions,
                points: cells.map { ($0.bytes, $0.summary.typical) }
            )
        }.sorted { lhs, rhs in
            if lhs.probe != rhs.probe { return probes.firstIndex(of: lhs.probe)! < probes.firstIndex(of: rhs.probe)! }
            if lhs.mode != rhs.mode { return lhs.mode < rhs.mode }
            return lhs.conditions.text < rhs.conditions.text
        }
    }

    /// What one fitted series shares.
    private struct SeriesKey: Hashable {
        var probe: Probe
        var mode: CellMode
        var conditions: CellConditions
    }
}
