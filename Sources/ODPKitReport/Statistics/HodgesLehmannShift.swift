/// How far the values of one sample sit above those of another, for two independent samples of
/// latencies: the Hodges–Lehmann estimate, the median of the n·m differences a − b of a value a of the
/// first and b of the second, with Moses' distribution-free interval around it (`MosesRank`): the k-th
/// smallest and k-th largest of those differences.
///
/// When the two samples come from one distribution shifted by a constant, the interval covers the shift
/// with the coverage `MosesRank` gives, whatever that distribution is. The differences are never all
/// held: the k-th smallest is found by bisection over the nanoseconds, counting the differences at or
/// below a value in one pass over the two sorted samples.
public struct HodgesLehmannShift: Sendable, Hashable {
    /// The median of the differences in microseconds (of an even count, the mean of the middle two).
    public var estimate: Double
    /// The interval around `estimate`; nil when even the smallest and largest difference cover less
    /// than the confidence asked.
    public var interval: Interval?

    /// The k-th smallest and k-th largest difference in microseconds, and the coverage they have.
    public struct Interval: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        /// The coverage when no two differences tie (exact, or normal for large samples: `MosesRank`).
        public var coverage: Double
    }

    /// The shift of `samples` over `baseline`, both in nanoseconds, at `confidence`; nil when either is empty.
    public init?(_ samples: [UInt64], over baseline: [UInt64], confidence: Double = 0.9) {
        guard !samples.isEmpty, !baseline.isEmpty else { return nil }
        let first = samples.map { Int64(clamping: $0) }.sorted(), second = baseline.map { Int64(clamping: $0) }.sorted()
        let count = first.count * second.count
        func micro(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1000 }
        func smallest(_ k: Int) -> Int64 { Self.smallestDifference(k, first, second) }
        estimate = count % 2 == 1 ? micro(smallest(count / 2 + 1)) : (micro(smallest(count / 2)) + micro(smallest(count / 2 + 1))) / 2
        interval = MosesRank.rank(first.count, second.count, confidence: confidence).map { rank in
            Interval(lower: micro(smallest(rank.k)), upper: micro(smallest(count + 1 - rank.k)), coverage: rank.coverage)
        }
    }

    /// The k-th smallest (from 1) of the differences a − b, a from `first` and b from `second`, both sorted.
    static func smallestDifference(_ k: Int, _ first: [Int64], _ second: [Int64]) -> Int64 {
        // The smallest d with at least k differences at or below it.
        var low = first[0] - second[second.count - 1], high = first[first.count - 1] - second[0]
        while low < high {
            let middle = low + (high - low) / 2
            if differences(atOrBelow: middle, first, second) >= k { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// How many differences a − b are at most `value`: for each a, the b at or above a − value.
    static func differences(atOrBelow value: Int64, _ first: [Int64], _ second: [Int64]) -> Int {
        var count = 0, below = 0
        for a in first {
            // `second` is sorted and a − value grows with a, so the b below it only grow in number.
            while below < second.count, second[below] < a - value { below += 1 }
            count += second.count - below
        }
        return count
    }
}
