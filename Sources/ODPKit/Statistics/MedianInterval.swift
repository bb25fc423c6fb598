import Foundation

/// A distribution-free confidence interval for the median of a few values (one per round): the k-th
/// smallest and k-th largest value, with k as large as keeps the coverage at `confidence` or more. The
/// coverage of [x(k), x(n+1-k)] is 1 − 2·P(B < k) for B ~ Binomial(n, ½), whatever the values'
/// distribution, so it needs no assumption about the testbed's noise; 5 values give [min, max] at 93.75 %.
public struct MedianInterval: Sendable, Hashable {
    public var lower: Double
    public var upper: Double
    /// The interval's exact coverage (0.9375 for 5 values).
    public var coverage: Double

    /// The interval of `values`; nil when even [min, max] covers less than `confidence` (fewer than 5
    /// values at 0.9), or when there are none.
    public init?(_ values: [Double], confidence: Double = 0.9) {
        let sorted = values.sorted()
        let n = sorted.count
        guard n > 0 else { return nil }
        var best: (k: Int, coverage: Double)?
        // P(B < k), growing with k; the coverage 1 − 2·P(B < k) shrinks.
        var below = 0.0
        for k in 1...((n + 1) / 2) {
            below += Self.binomialHalf(n, k - 1)
            let coverage = 1 - 2 * below
            guard coverage >= confidence else { break }
            best = (k, coverage)
        }
        guard let best else { return nil }
        lower = sorted[best.k - 1]
        upper = sorted[n - best.k]
        coverage = best.coverage
    }

    /// P(B = j) for B ~ Binomial(n, ½).
    private static func binomialHalf(_ n: Int, _ j: Int) -> Double {
        var choose = 1.0
        for i in 0..<j { choose = choose * Double(n - i) / Double(i + 1) }
        return choose / pow(2, Double(n))
    }
}
