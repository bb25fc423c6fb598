import Foundation

/// How many times the values of one sample sit above those of another, for two independent samples of
/// a few values each (one per run): the Hodges–Lehmann estimate, the median of the n·m ratios a/b of a
/// value a of the first and b of the second, with Moses' distribution-free interval around it: the k-th
/// smallest and k-th largest of those ratios, k as large as keeps the coverage at `confidence` or more.
///
/// When the two samples come from one distribution scaled by a factor (a shift of the logarithms), the
/// coverage of [r(k), r(nm+1−k)] is 1 − 2·P(U < k), U being the Mann–Whitney statistic of n and m values
/// drawn from one distribution: whatever that distribution is, so runs that sit on a few levels need
/// no model, and the runs need not be paired. 5 runs a side give [r(5), r(21)] at 90.5 %.
public struct HodgesLehmannRatio: Sendable, Hashable {
    /// The median of the ratios (of an even count, the geometric mean of the middle two).
    public var estimate: Double
    /// The interval around `estimate`; nil when even the smallest and largest ratio cover less than the
    /// confidence asked (3 runs a side at 0.9, fewer give none).
    public var interval: Interval?

    /// The k-th smallest and k-th largest ratio, and the coverage they have.
    public struct Interval: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        /// The exact coverage when no two ratios tie (0.9 for 3 runs a side: [min, max]).
        public var coverage: Double
    }

    /// The ratio of `numerators` over `denominators` at `confidence`; nil when either is empty or holds
    /// a value that is not above zero.
    public init?(_ numerators: [Double], over denominators: [Double], confidence: Double = 0.9) {
        guard !numerators.isEmpty, !denominators.isEmpty,
              (numerators + denominators).allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let ratios = numerators.flatMap { a in denominators.map { b in a / b } }.sorted()
        let middle = ratios.count / 2
        estimate = ratios.count % 2 == 1 ? ratios[middle] : (ratios[middle - 1] * ratios[middle]).squareRoot()
        interval = MosesRank.rank(numerators.count, denominators.count, confidence: confidence).map { rank in
            Interval(lower: ratios[rank.k - 1], upper: ratios[ratios.count - rank.k], coverage: rank.coverage)
        }
    }
}
