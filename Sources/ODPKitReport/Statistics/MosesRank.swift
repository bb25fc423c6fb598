import Foundation

/// The rank of Moses' distribution-free interval around a Hodges–Lehmann estimate of two independent
/// samples of n and m values: the interval runs from the k-th smallest to the k-th largest of the n·m
/// pairwise comparisons (ratios or differences), k as large as keeps its coverage 1 − 2·P(U < k) at the
/// confidence asked or more, U being the Mann–Whitney statistic of n and m values drawn from one
/// distribution.
enum MosesRank {
    /// The largest n·m whose null distribution of U is counted exactly; above it U is taken as normal
    /// (mean n·m/2, variance n·m·(n+m+1)/12, with a continuity correction), as accurate there as the
    /// exact count and far cheaper (the count takes min(n, m)·n·m steps).
    static let exactLimit = 10_000

    /// k and the interval's coverage (exact when no two comparisons tie, or normal above `exactLimit`);
    /// nil when even the smallest and largest comparison cover less than `confidence`, or a sample is empty.
    static func rank(_ n: Int, _ m: Int, confidence: Double) -> (k: Int, coverage: Double)? {
        guard n > 0, m > 0 else { return nil }
        return n * m <= exactLimit ? exactRank(n, m, confidence: confidence) : normalRank(n, m, confidence: confidence)
    }

    static func exactRank(_ n: Int, _ m: Int, confidence: Double) -> (k: Int, coverage: Double)? {
        let null = mannWhitneyCounts(min(n, m), max(n, m))
        let arrangements = null.reduce(0, +)
        var best: (k: Int, coverage: Double)?
        // P(U < k), growing with k; the coverage 1 − 2·P(U < k) shrinks.
        var below = 0.0
        for k in 1...((n * m + 1) / 2) {
            below += null[k - 1] / arrangements
            let coverage = 1 - 2 * below
            guard coverage >= confidence - 1e-9 else { break }
            best = (k, coverage)
        }
        return best
    }

    static func normalRank(_ n: Int, _ m: Int, confidence: Double) -> (k: Int, coverage: Double)? {
        let mean = Double(n * m) / 2
        let deviation = (Double(n * m) * Double(n + m + 1) / 12).squareRoot()
        // P(U < k) ≈ Φ((k − ½ − mean) / deviation), at most (1 − confidence) / 2.
        let k = Int((mean + 0.5 - standardNormalQuantile((1 + confidence) / 2) * deviation).rounded(.down))
        guard k >= 1 else { return nil }
        return (min(k, (n * m + 1) / 2), 1 - 2 * standardNormalCDF((Double(k) - 0.5 - mean) / deviation))
    }

    /// Φ(x).
    static func standardNormalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for p in (0, 1), by bisection on Φ.
    static func standardNormalQuantile(_ p: Double) -> Double {
        var low = -40.0, high = 40.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if standardNormalCDF(middle) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
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
