public import Histogram

/// What a set of latency samples amounts to, in microseconds, in perftest's vocabulary
/// (`t_min`, `t_max`, `t_typical`, `t_avg`, `t_stdev`, `99%`, `99.9%`), plus the distribution to plot.
///
/// Percentiles are nearest-rank: the smallest sample that `p` per cent of the samples are at or below,
/// as HdrHistogram's `valueAtPercentile` reads them. The standard deviation is the population one.
public struct LatencySummary: Sendable, Codable, Hashable {
    public var samples: Int
    public var minimum: Double
    public var maximum: Double
    /// The median (perftest's `t_typical`).
    public var typical: Double
    public var average: Double
    public var standardDeviation: Double
    public var p99: Double
    public var p999: Double
    /// The distribution at `CDFPoint.percentiles`, empty when there are no samples.
    public var cdf: [CDFPoint]

    public init(
        samples: Int, minimum: Double, maximum: Double, typical: Double, average: Double,
        standardDeviation: Double, p99: Double, p999: Double, cdf: [CDFPoint]
    ) {
        self.samples = samples
        self.minimum = minimum
        self.maximum = maximum
        self.typical = typical
        self.average = average
        self.standardDeviation = standardDeviation
        self.p99 = p99
        self.p999 = p999
        self.cdf = cdf
    }

    /// No samples: every figure zero, no distribution.
    public static let empty = LatencySummary(
        samples: 0, minimum: 0, maximum: 0, typical: 0, average: 0, standardDeviation: 0, p99: 0, p999: 0, cdf: []
    )

    /// Summarises a histogram recorded in nanoseconds, to its precision (three significant digits
    /// for odpkit's histograms), in one sweep over its recorded values: every percentile is read as
    /// `valueAtPercentile` reads it (the median is `valueAtPercentile(50)`), the mean and standard
    /// deviation as `mean` and `stdDeviation` compute them, but the counts are walked once, not once per
    /// figure.
    public init(histogram: Histogram<UInt64>) {
        guard histogram.totalCount > 0 else {
            self = .empty
            return
        }
        func micro(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1000 }
        let total = histogram.totalCount
        let low = histogram.min
        let high = histogram.maxRecorded
        // The wanted percentiles in ascending order, each with the count it is reached at.
        let wanted = (CDFPoint.percentiles + [50, 99, 99.9]).sorted()
        var values = [Double: UInt64]()
        var next = 0
        var cumulative: UInt64 = 0
        // Weighted Welford over the buckets' median-equivalent values.
        var mean = 0.0
        var squares = 0.0
        for bucket in histogram.recordedValues() {
            let count = UInt64(bucket.count)
            cumulative += count
            // valueAtPercentile stops at the count of the nearest rank, as the raw-sample summary indexes it.
            while next < wanted.count, cumulative >= UInt64(nearestRankIndex(wanted[next], count: Int(total)) + 1) {
                values[wanted[next]] = Swift.max(Swift.min(bucket.value, high), low)
                next += 1
            }
            let value = Double(histogram.medianEquivalentForValue(bucket.value))
            let seen = Double(cumulative)
            let delta = value - mean
            mean += delta * Double(count) / seen
            squares += delta * (value - mean) * Double(count)
        }
        func at(_ percentile: Double) -> Double {
            switch percentile {
            case ...0: micro(low)
            case 100...: micro(high)
            default: micro(values[percentile] ?? high)
            }
        }
        self.init(
            samples: Int(total),
            minimum: micro(low),
            maximum: micro(high),
            typical: at(50),
            average: mean / 1000,
            standardDeviation: (squares / Double(total)).squareRoot() / 1000,
            p99: at(99),
            p999: at(99.9),
            cdf: CDFPoint.percentiles.map { CDFPoint(percentile: $0, microseconds: at($0)) }
        )
    }

    /// Summarises raw samples in nanoseconds exactly; the median of an even count is the mean of the
    /// two middle samples, as perftest's `get_median` computes `t_typical`.
    public init(nanoseconds: [UInt64]) {
        guard !nanoseconds.isEmpty else {
            self = .empty
            return
        }
        let sorted = nanoseconds.sorted().map { Double($0) / 1000 }
        let count = sorted.count
        let middle = count / 2
        let median = count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        let mean = sorted.reduce(0, +) / Double(count)
        let variance = sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)
        func at(_ percentile: Double) -> Double {
            sorted[nearestRankIndex(percentile, count: count)]
        }
        self.init(
            samples: count,
            minimum: sorted[0],
            maximum: sorted[count - 1],
            typical: median,
            average: mean,
            standardDeviation: variance.squareRoot(),
            p99: at(99),
            p999: at(99.9),
            cdf: CDFPoint.percentiles.map { CDFPoint(percentile: $0, microseconds: at($0)) }
        )
    }
}

/// The 0-based index of the `percentile` sample among `count` sorted ones (nearest rank); one ulp is
/// taken off the percentile so that 99.9 % of 1000 is the 999th sample, not the 1000th.
func nearestRankIndex(_ percentile: Double, count: Int) -> Int {
    guard percentile > 0 else { return 0 }
    guard percentile < 100 else { return count - 1 }
    let rank = (percentile.nextDown * Double(count) / 100).rounded(.up)
    return min(count - 1, max(0, Int(rank) - 1))
}
