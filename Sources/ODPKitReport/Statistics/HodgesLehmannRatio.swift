import Foundation

/// How many times the values of one sample sit above those of another, for two independent samples of
/// a few values each (one per run): the Hodges–Lehmann estimate, the median of the n·m ratios a/b of a
/// value a of the first and b of the second, with Moses' distribution-free interval around it: the k-th
/// smallest and k-th largest of those ratios, k as large as keeps the coverage at `confidence` or more.
///
/// When the two samples come from one distribution scaled by a factor (a shift of the logarithms), the
/// coverage of [r(k), r(nm+1−k)] is 1 − 2·P(U < k), U being the Mann–Whitney statistic of n and m values
/// drawn from one distribution: whatever that distribution is, so a testbed whose runs sit on a few
/// levels needs no model, and the runs need not be paired. 5 runs a side give [r(5), r(21)] at 90.5 %.
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
        let null = Self.mannWhitneyCounts(numerators.count, denominators.count)
        let arrangements = null.reduce(0, +)
        var best: Interval?
        // P(U < k), growing with k; the coverage 1 − 2·P(U < k) shrinks.
        var below = 0.0
        for k in 1...((ratios.count + 1) / 2) {
            below += null[k - 1] / arrangements
            let coverage = 1 - 2 * below
            guard coverage >= confidence - 1e-9 else { break }
            best = Interval(lower: ratios[k - 1], upper: ratios[ratios.count - k], coverage: coverage)
        }
        interval = best
    }

    /// How many of the C(n+m, n) orderings of n and m values give each Mann–Whitney count u = 0…n·m: the
    /// coefficients of the Gaussian binomial [n+m choose n] in q, built as ∏ (1 − q^(m+i)) / (1 − q^i).
    static func mannWhitneyCounts(_ n: Int, _ m: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: n * m + 1)
        counts[0] = 1
        for i in stride(from: 1, through: n, by: 1) {
            // Times (1 − q^(m+i)): from the top down, so each term reads the coefficients before it.
            for u in stride(from: n * m, through: m + i, by: -1) { counts[u] -= counts[u - m - i] }
            // Over (1 − q^i): a running sum with stride i, from the bottom up.
            for u in stride(from: i, through: n * m, by: 1) { counts[u] += counts[u - i] }
        }
        return counts
    }
}
